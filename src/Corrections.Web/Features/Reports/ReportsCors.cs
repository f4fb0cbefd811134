using Corrections.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Corrections.Features.Reports;

/// <summary>Pages of the registered sites, and only those, may send reports from the reader's browser.</summary>
public static class ReportsCors
{
    public static IServiceCollection AddReportsCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<SiteDirectory>((cors, sites) =>
        {
            var origins = sites.All.SelectMany(s => s.Origins).ToHashSet(StringComparer.Ordinal);
            cors.AddDefaultPolicy(policy => policy
                .SetIsOriginAllowed(origin => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && origins.Contains(Site.OriginOf(uri)))
                .WithMethods(HttpMethods.Post)
                .WithHeaders("Content-Type")
                .SetPreflightMaxAge(TimeSpan.FromHours(1)));
        });
        return services;
    }
}
