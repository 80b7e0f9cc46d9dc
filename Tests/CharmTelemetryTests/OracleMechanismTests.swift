import CharmTestSupport
import Testing

/// The shared oracle mechanism itself: a missing oracle is an error naming what to install,
/// never a quiet pass.
@Suite(.blocksThreads) struct OracleMechanismTests {
    @Test func aMissingOracleThrowsNamingItsInstall() {
        let absent = Oracle(.python(module: "charm_no_such_module_for_tests"), install: "pip install nothing-at-all")
        #expect(!absent.isPresent)
        #expect(throws: Oracle.Missing.self) { try absent.require() }
        let text = Oracle.Missing(oracles: [absent]).description
        #expect(text.contains("pip install nothing-at-all") && text.contains(Oracle.optOutVariable))
        let program = Oracle(.program("charm-no-such-program"), install: "nothing")
        #expect(!program.isPresent && program.programPath == nil)
    }

    @Test(.oracle(.charmos)) func aPresentOracleLetsTheTestRun() throws {
        try Oracle.charmos.require()
        #expect(Oracle.charmos.isPresent)
    }
}
