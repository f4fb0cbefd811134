using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Corrections.Features.Reports.Admin;

/// <summary>
/// At most <see cref="AtOnce"/> exports at once per API key (by the key's name, unique among the keys): each holds a
/// database connection and a reader for as long as its client takes to read, so one key may not hold many.
/// </summary>
public sealed class ExportsPerKey : IRateLimiterPolicy<string>
{
    public const string Policy = "exports-per-key";
    public const int AtOnce = 2;

    /// <summary>How long a refused caller is asked to wait: an export of many reports takes seconds.</summary>
    public const int RetryAfterSeconds = 10;

    public RateLimitPartition<string> GetPartition(HttpContext context) =>
        RateLimitPartition.GetConcurrencyLimiter(context.User.Identity?.Name ?? "",
            _ => new ConcurrencyLimiterOptions { PermitLimit = AtOnce, QueueLimit = 0 });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many exports at once.",
            detail: $"This API key already has {AtOnce} exports running; try again once one of them has finished, in {RetryAfterSeconds} seconds or so.")
            .ExecuteAsync(context.HttpContext);
    };
}

public static class ExportsSetup
{
    public static IServiceCollection AddExportsPerKeyLimit(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(limiter => limiter.AddPolicy<string, ExportsPerKey>(ExportsPerKey.Policy));
}
