import CharmTelemetry

/// The built-in vendor exporters and their shared delivery engine.
public enum CharmExporters {
    /// This library's version, sent as the `User-Agent` and in Sentry's client id.
    package static let version = "0.1.0"

    /// Registers datadog, langsmith, sentry, otlp, jsonl and webhook in `registry`.
    public static func registerBuiltins(in registry: ExporterRegistry = .shared) {
        for d in builtinDescriptors { registry.register(d) }
    }

    /// The descriptors `registerBuiltins` registers, in order.
    package static var builtinDescriptors: [ExporterDescriptor] {
        [
            DatadogExporter.descriptor, LangSmithExporter.descriptor, SentryExporter.descriptor,
            OTLPExporter.descriptor, JSONLExporter.descriptor, WebhookExporter.descriptor,
        ]
    }
}
