/// The files of a new Python exporter, laid out like charm-telemetry-template.
struct PythonTemplate {
    let name: String

    var module: String { name.replacingOccurrences(of: "-", with: "_") + "_exporter" }
    var type: String { PluginScaffold.typeName(name) }

    var files: [(String, String)] {
        [
            ("pyproject.toml", pyproject),
            ("\(module)/__init__.py", source),
            ("tests/test_\(module).py", test),
            ("README.md", readme),
            (".gitignore", "__pycache__/\n*.egg-info/\nbuild/\ndist/\n"),
        ]
    }

    var pyproject: String {
        """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "charm-telemetry-\(name)"
        version = "0.1.0"
        description = "A Charm telemetry exporter: \(name)"
        requires-python = ">=3.9"
        dependencies = ["charmos>=0.5.2"]

        [project.optional-dependencies]
        test = ["pytest"]

        # The name charm.yaml's runtime.telemetry enables it by.
        [project.entry-points."charm.telemetry"]
        \(name) = "\(module):\(type)"

        [tool.setuptools]
        packages = ["\(module)"]

        """
    }

    var source: String {
        """
        \"\"\"The `\(name)` Charm telemetry exporter.\"\"\"
        from typing import Any, Dict

        from charm.core.telemetry import BaseTelemetryExporter


        class \(type)(BaseTelemetryExporter):
            \"\"\"Receives Charm's eight hooks; replace `record` with your delivery.\"\"\"

            def __init__(self) -> None:
                self.calls = []

            def record(self, *call: Any) -> None:
                self.calls.append(call)

            def on_run_start(self, run_id: str, inputs: Dict[str, Any]) -> None:
                self.record("on_run_start", run_id, inputs)

            def on_run_end(self, run_id: str, outputs: Dict[str, Any]) -> None:
                self.record("on_run_end", run_id, outputs)

            def on_error(self, run_id: str, error: Exception) -> None:
                self.record("on_error", run_id, str(error))

            def on_tool_start(self, tool_name: str, input_str: str) -> None:
                self.record("on_tool_start", tool_name, input_str)

            def on_tool_end(self, tool_name: str, output: str) -> None:
                self.record("on_tool_end", tool_name, output)

            def on_tool_error(self, tool_name: str, error: BaseException) -> None:
                self.record("on_tool_error", tool_name, str(error))

            def on_llm_new_token(self, token: str) -> None:
                self.record("on_llm_new_token", token)

            def on_agent_action(self, tool: str, tool_input: str) -> None:
                self.record("on_agent_action", tool, tool_input)

        """
    }

    var test: String {
        """
        from importlib.metadata import entry_points

        from charm.core.telemetry import BaseTelemetryExporter

        from \(module) import \(type)


        def test_is_a_charm_exporter():
            assert issubclass(\(type), BaseTelemetryExporter)


        def test_hooks_are_recorded_in_order():
            e = \(type)()
            e.on_run_start("r1", {"q": "hi"})
            e.on_tool_start("search", "hi")
            e.on_tool_error("search", TimeoutError("slow"))
            e.on_run_end("r1", {"answer": 42})
            assert e.calls == [
                ("on_run_start", "r1", {"q": "hi"}),
                ("on_tool_start", "search", "hi"),
                ("on_tool_error", "search", "slow"),
                ("on_run_end", "r1", {"answer": 42}),
            ]


        def test_entry_point_is_installed():
            try:
                eps = entry_points(group="charm.telemetry")
            except TypeError:  # Python < 3.10
                eps = entry_points().get("charm.telemetry", [])
            assert [ep.value for ep in eps if ep.name == "\(name)"] == ["\(module):\(type)"]

        """
    }

    var readme: String {
        """
        # charm-telemetry-\(name)

        A Charm telemetry exporter. Install it with `pip install .` next to your agent, then
        enable it in charm.yaml:

        ```yaml
        runtime:
          telemetry: [\(name)]
        ```

        Test with `pip install -e '.[test]' && pytest`.

        """
    }
}
