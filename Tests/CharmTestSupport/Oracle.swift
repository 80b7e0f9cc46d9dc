import Foundation
import Testing

/// An external program a test uses as its judge: the real charmos SDK, a vendor's library,
/// tmux. The one mechanism every test target uses to say what it needs.
///
/// A test whose oracle is missing FAILS, naming what to install (`scripts/test` installs
/// everything). Nobody's green run can then come from a test that never looked. Whoever
/// knowingly runs without some oracle sets `CHARM_TESTS_ALLOW_MISSING_ORACLES=1`: those
/// tests are then skipped, visibly, and nothing else changes.
public struct Oracle: Sendable, Hashable, CustomStringConvertible {
    /// What to check for.
    public enum Kind: Sendable, Hashable {
        /// `python3 -c "import MODULE"` succeeds.
        case python(module: String)
        /// An executable of this name is on a well-known path or `PATH`.
        case program(String)
    }

    /// What to check for.
    public let kind: Kind
    /// What installs it, for the failure message.
    public let install: String

    /// An oracle and how to install it.
    public init(_ kind: Kind, install: String) {
        self.kind = kind
        self.install = install
    }

    public var description: String {
        switch kind {
        case .python(let m): "python3 module \(m)"
        case .program(let p): "program \(p)"
        }
    }

    /// The variable that turns a missing oracle from a failure into a skip.
    public static let optOutVariable = "CHARM_TESTS_ALLOW_MISSING_ORACLES"

    /// Whether the person running the tests opted out of missing oracles failing.
    public static var optedOut: Bool {
        let v = ProcessInfo.processInfo.environment[optOutVariable] ?? ""
        return !v.isEmpty && v != "0"
    }

    /// Whether it is there (checked once per process).
    public var isPresent: Bool { OracleCache.shared.isPresent(self) }

    /// Where the program is, when it is one and it is there.
    public var programPath: String? {
        guard case .program(let name) = kind else { return nil }
        return Oracle.which(name)
    }

    /// Throws `Missing` (failing the calling test) when the oracle is absent.
    public func require() throws {
        if !isPresent { throw Missing(oracles: [self]) }
    }

    /// Why a test could not judge anything.
    public struct Missing: Error, CustomStringConvertible {
        /// What is absent.
        public var oracles: [Oracle]
        /// The error for these absent oracles.
        public init(oracles: [Oracle]) { self.oracles = oracles }
        public var description: String {
            let what = oracles.map { "\($0) (install: \($0.install))" }.joined(separator: "; ")
            return "oracle missing: \(what). Run scripts/test, which installs every oracle, or set \(Oracle.optOutVariable)=1 to skip such tests knowingly."
        }
    }

    static func which(_ name: String) -> String? {
        var dirs = ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/bin"]
        dirs += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    fileprivate func probe() -> Bool {
        switch kind {
        case .program(let name):
            return Oracle.which(name) != nil
        case .python(let module):
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", "import \(module)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
    }
}

/// Probes each oracle once per test process: a Python import costs tens of milliseconds.
final class OracleCache: @unchecked Sendable {
    static let shared = OracleCache()
    private let lock = NSLock()
    private var known: [Oracle: Bool] = [:]

    func isPresent(_ oracle: Oracle) -> Bool {
        lock.lock()
        if let v = known[oracle] {
            lock.unlock()
            return v
        }
        lock.unlock()
        let v = oracle.probe()
        lock.lock()
        known[oracle] = v
        lock.unlock()
        return v
    }
}

extension Oracle {
    /// The real Charm SDK (its standard-library modules; installed without dependencies).
    public static let charmos = Oracle(.python(module: "charm.core.telemetry"), install: "pip install --no-deps charmos==0.5.2")
    /// Charm's runner as a library (its Docker backend needs pydantic).
    public static let charmosRunner = Oracle(
        .python(module: "charm.runner.backend.docker"), install: "pip install --no-deps charmos==0.5.2; pip install pydantic")
    /// LangChain's core, for charmos' callback handler.
    public static let langchainCore = Oracle(.python(module: "langchain_core"), install: "pip install langchain-core")
    /// The OTLP protobuf definitions.
    public static let opentelemetryProto = Oracle(.python(module: "opentelemetry.proto"), install: "pip install opentelemetry-proto")
    /// sentry-sdk's envelope parser.
    public static let sentrySDK = Oracle(.python(module: "sentry_sdk"), install: "pip install sentry-sdk")
    /// langsmith's run models.
    public static let langsmith = Oracle(.python(module: "langsmith"), install: "pip install langsmith")
    /// JSON Schema validation.
    public static let jsonschema = Oracle(.python(module: "jsonschema"), install: "pip install jsonschema")
    /// pytest, for the Python plugin scaffold's own tests.
    public static let pytest = Oracle(.python(module: "pytest"), install: "pip install pytest")
    /// wheel, to install the Python scaffold in a venv.
    public static let wheel = Oracle(.python(module: "wheel"), install: "pip install wheel")
    /// tmux, which drives the real monitor in a terminal.
    public static let tmux = Oracle(.program("tmux"), install: "apt-get install tmux")
}

/// `@Test(.oracle(.charmos, .tmux))`: the test fails when one is missing, or is skipped when
/// `CHARM_TESTS_ALLOW_MISSING_ORACLES` is set. Works on suites too.
public struct OracleTrait: TestTrait, SuiteTrait, TestScoping {
    /// What the test needs.
    public let oracles: [Oracle]
    public var isRecursive: Bool { true }

    /// Each test case is checked on its own; a suite only hands the trait down to its tests.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite || testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let missing = oracles.filter { !$0.isPresent }
        if missing.isEmpty { return try await function() }
        if Oracle.optedOut {
            print("◇ skipped \(test.name): \(Oracle.Missing(oracles: missing)) (\(Oracle.optOutVariable) is set)")
            return
        }
        throw Oracle.Missing(oracles: missing)
    }
}

extension Trait where Self == OracleTrait {
    /// The test judges with these external programs: see `Oracle`.
    public static func oracle(_ oracles: Oracle...) -> Self { OracleTrait(oracles: oracles) }
}
