using System.Diagnostics.Metrics;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Corrections.Telemetry;

public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    /// <summary>The meter the .NET runtime measures itself with.</summary>
    private const string RuntimeMeterName = "System.Runtime";

    /// <summary>
    /// Metrics for Prometheus at <c>/metrics</c>, the service's and the runtime's named <c>corrections_…</c>, ASP.NET Core's
    /// and Kestrel's with their own names; traces of requests, exported by OTLP
    /// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OpenTelemetry variables apply).
    /// </summary>
    public static IServiceCollection AddCorrectionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CorrectionsMetrics>();
        services.AddSingleton<OutboxGauges>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("corrections"))
            .WithMetrics(metrics => metrics
                .AddMeter(CorrectionsMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddView("http.server.request.duration", new MetricStreamConfiguration { Name = "corrections_http_request_duration" })
                .AddRuntimeMetrics()
                .AddPrometheusExporter());
        // Traces only when they go somewhere: recording an activity for every request costs the hot path for nothing.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath)))
                .UseOtlpExporter();
        return services;
    }

    /// <summary>
    /// The runtime's own measurements that say why answers are slow when the service's do not: the garbage collector's
    /// collections, pauses and allocations, the CPU time and the work waiting for a thread. Named with the service's
    /// prefix; the runtime's other instruments are left out.
    /// </summary>
    private static MeterProviderBuilder AddRuntimeMetrics(this MeterProviderBuilder metrics)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dotnet.gc.collections"] = "corrections_runtime_gc_collections",
            ["dotnet.gc.pause.time"] = "corrections_runtime_gc_pause_time",
            ["dotnet.gc.heap.total_allocated"] = "corrections_runtime_gc_allocated",
            ["dotnet.process.cpu.time"] = "corrections_runtime_cpu_time",
            ["dotnet.thread_pool.queue.length"] = "corrections_runtime_thread_pool_queue_length",
        };
        return metrics
            .AddMeter(RuntimeMeterName)
            .AddView(instrument => instrument.Meter.Name != RuntimeMeterName ? null
                : renamed.TryGetValue(instrument.Name, out var name) ? new MetricStreamConfiguration { Name = name }
                : MetricStreamConfiguration.Drop);
    }

    public static WebApplication MapCorrectionsTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<OutboxGauges>(); // creates the gauges
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}

/// <summary>The outbox's backlog and the age of its oldest due message, read from the database when scraped.</summary>
public sealed class OutboxGauges
{
    public OutboxGauges(IMeterFactory meters, IServiceScopeFactory scopes, TimeProvider time, ILogger<OutboxGauges> logger)
    {
        var meter = meters.Create(CorrectionsMetrics.MeterName);
        meter.CreateObservableGauge("corrections_outbox_backlog", () => Read(scopes, logger, db => db.Outbox.LongCount(m => m.State == OutboxState.Pending)),
            "{message}", "Outbox messages waiting to be handled");
        meter.CreateObservableGauge("corrections_outbox_oldest_due_age", () =>
            {
                var now = time.GetUtcNow();
                var due = Read(scopes, logger, db => db.Outbox.Where(m => m.State == OutboxState.Pending && m.DueAt <= now).OrderBy(m => m.DueAt).Select(m => (DateTimeOffset?)m.DueAt).FirstOrDefault());
                return due is { } oldest ? (now - oldest).TotalSeconds : 0;
            },
            "s", "How long the oldest due outbox message has been waiting");
        meter.CreateObservableGauge("corrections_outbox_parked_messages", () => Read(scopes, logger, db => db.Outbox.LongCount(m => m.State == OutboxState.Parked)),
            "{message}", "Outbox messages parked, waiting for someone to look");
    }

    private static T? Read<T>(IServiceScopeFactory scopes, ILogger logger, Func<CorrectionsDb, T> query)
    {
        try
        {
            using var scope = scopes.CreateScope();
            return query(scope.ServiceProvider.GetRequiredService<CorrectionsDb>());
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading the outbox for the metrics failed");
            return default;
        }
    }
}
