using System.Net;
using System.Threading.RateLimiting;
using Corrections.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Corrections.Abuse;

public static class AbuseSetup
{
    public const string PerClientPolicy = "reports-per-client";

    public static IServiceCollection AddAbuseProtection(this IServiceCollection services)
    {
        services.AddSingleton<ClientAddressHasher>();
        services.AddSingleton<SiteRateLimiter>();
        services.AddSingleton<NetworkRateLimiter>();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<AbuseOptions>>((forwarded, abuse) =>
        {
            // With no known proxy, the middleware would believe every sender; so no proxy configured means no forwarding.
            forwarded.ForwardedHeaders = abuse.Value.KnownProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the older list is still consulted
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in abuse.Value.KnownProxies)
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        });

        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = (context, cancellationToken) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<Telemetry.CorrectionsMetrics>().ReportRejected("client_rate_limit", null);
                return TooManyRequests.WriteAsync(context.HttpContext, context.Lease, "from your address", cancellationToken);
            };
            limiter.AddPolicy(PerClientPolicy, context => PerMinute.Partition(
                ClientNetworks.ClientOf(context.Connection.RemoteIpAddress),
                context.RequestServices.GetRequiredService<IOptions<AbuseOptions>>().Value.ReportsPerClientPerMinute));
        });
        return services;
    }
}

/// <summary>Limits the reports one site receives, whoever sends them: a viral article must not bury the editors.</summary>
public sealed class SiteRateLimiter(IOptions<AbuseOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(
        site => PerMinute.Partition(site, options.Value.ReportsPerSitePerMinute), StringComparer.OrdinalIgnoreCase);

    public RateLimitLease Acquire(string site) => limiter.AttemptAcquire(site);

    public void Dispose() => limiter.Dispose();
}

/// <summary>
/// Limits the reports of the clients of one network together (<see cref="ClientNetworks.NetworkOf"/>), more loosely
/// than each client's own limit: one who moves from address to address within it is still held back.
/// </summary>
public sealed class NetworkRateLimiter(IOptions<AbuseOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(
        network => PerMinute.Partition(network, options.Value.ReportsPerNetworkPerMinute));

    public RateLimitLease Acquire(IPAddress? client) => limiter.AttemptAcquire(ClientNetworks.NetworkOf(client));

    public void Dispose() => limiter.Dispose();
}

internal static class PerMinute
{
    /// <summary>A sliding window of a minute in six steps, refusing at once rather than queueing; 0 is no limit.</summary>
    public static RateLimitPartition<string> Partition(string key, int perMinute) => perMinute == 0
        ? RateLimitPartition.GetNoLimiter(key)
        : RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        });
}

public static class TooManyRequests
{
    public static async ValueTask WriteAsync(HttpContext context, RateLimitLease lease, string from, CancellationToken cancellationToken)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 60;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, retryAfter).ToString();
        await Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many reports.",
            detail: $"Too many reports arrived {from} in the last minute; try again in {Math.Max(1, retryAfter)} seconds.").ExecuteAsync(context);
    }
}
