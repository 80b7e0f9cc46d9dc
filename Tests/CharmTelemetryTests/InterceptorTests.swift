import Foundation
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// Raw prints become `thinking` events exactly as charmos' StdoutInterceptor makes them.
@Suite(.serialized, .blocksThreads) struct InterceptorTests {
    @Test(.oracle(.charmos)) func rawPrintsBecomeThinkingAndEventsPassThrough() throws {
        // Run in a child process: redirecting this test process's stdout would disturb the runner.
        let code = """
            import sys
            from charm.core.io import StdoutInterceptor
            i = StdoutInterceptor(); sys.stdout = i
            print("hello 東京"); print("   "); print("__CHARM_EVENT__{\\"type\\": \\"status\\", \\"content\\": \\"x\\"}")
            sys.stdout.write("partial"); i.flush()
            """
        let oracle = try Support.run(["python3", "-c", code])
        let path = Support.tempPath("intercept.out")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let saved = dup(1)
        dup2(fd, 1)
        let output = CharmOutput(fileDescriptor: 1)
        let interceptor = try #require(StdoutInterceptor(output: output))
        print("hello 東京")
        print("   ")
        print(#"__CHARM_EVENT__{"type": "status", "content": "x"}"#)
        print("partial", terminator: "")
        interceptor.uninstall()
        dup2(saved, 1)
        close(saved)
        close(fd)
        let ours = try String(contentsOfFile: path, encoding: .utf8)
        // charmos passes a printed event line through without its newline (print() writes the
        // "\n" separately and the interceptor drops it), gluing it to the next line; we keep
        // lines whole, so the oracle is compared with that one newline restored.
        let expected = String(decoding: oracle.stdout, as: UTF8.self)
            .replacingOccurrences(of: "}__CHARM_EVENT__", with: "}\n__CHARM_EVENT__")
        #expect(ours == expected)
        #expect(ours.split(separator: "\n").count == 3)
    }
}
