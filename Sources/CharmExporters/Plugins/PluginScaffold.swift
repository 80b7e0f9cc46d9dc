import CharmTelemetry
import Foundation

/// Creates a new exporter project that builds and passes its own test as generated: what
/// `charm-monitor plugin new NAME --swift|--python` runs.
package enum PluginScaffold {
    /// The language of the new exporter.
    package enum Kind: String, Sendable, CaseIterable {
        /// A Swift package depending on CharmTelemetry, with a Swift Testing test.
        case swift
        /// A Python package laid out like charm-telemetry-template: a pyproject with the
        /// `charm.telemetry` entry point, a `BaseTelemetryExporter` subclass, a pytest test.
        case python
    }

    /// Why a project could not be created.
    package enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The name is not a registry id (`^[a-z0-9-_]+$`) or does not start with a letter.
        case invalidName(String)
        /// The folder exists and is not empty.
        case notEmpty(String)
        /// A Swift project needs the path of a charm-telemetry checkout to depend on.
        case missingPackagePath
        /// Writing failed.
        case io(String)

        package var description: String {
            switch self {
            case .invalidName(let n):
                "invalid exporter name \(JSONWriter.compact(.string(n))): use lowercase letters, digits, - and _, starting with a letter"
            case .notEmpty(let p): "\(p) exists and is not empty"
            case .missingPackagePath: "a Swift exporter needs the path of a charm-telemetry checkout (charmTelemetryPath)"
            case .io(let m): m
            }
        }
    }

    /// Writes the project into `directory` (created if needed; must be empty) and returns
    /// the paths written, relative to it. A Swift project depends on CharmTelemetry through
    /// `.package(path: charmTelemetryPath)`.
    @discardableResult
    package static func create(
        name: String, kind: Kind, at directory: URL, charmTelemetryPath: String? = nil
    ) throws(Failure) -> [String] {
        guard PluginDiscovery.isValidName(name), let first = name.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw .invalidName(name)
        }
        let files: [(String, String)]
        switch kind {
        case .python: files = PythonTemplate(name: name).files
        case .swift:
            guard let path = charmTelemetryPath, !path.isEmpty else { throw .missingPackagePath }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            files = SwiftTemplate(name: name, packagePath: absolute).files
        }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw .notEmpty(directory.path)
        }
        do {
            for (relative, text) in files {
                let url = directory.appendingPathComponent(relative)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
        } catch {
            throw .io("cannot write \(directory.path): \(error)")
        }
        return files.map { $0.0 }
    }

    /// The charm-telemetry checkout this library was built from, when it is still there:
    /// the default `charmTelemetryPath` for `swift run charm-monitor plugin new NAME --swift`.
    /// Nil for a binary built elsewhere (the CLI should then ask for the path).
    package static var sourceCheckoutPath: String? {
        // #filePath is …/Sources/CharmExporters/Plugins/PluginScaffold.swift at build time.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) ? url.path : nil
    }

    /// `my-exp_2` → `MyExp2Exporter`: the exporter's class name, in Swift and in Python.
    static func typeName(_ name: String) -> String { typeStem(name) + "Exporter" }

    /// `my-exp_2` → `MyExp2`: the class name stem.
    static func typeStem(_ name: String) -> String {
        name.split(whereSeparator: { $0 == "-" || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined()
    }
}
