using Corrections.Configuration;
using Corrections.Features.Reports.Submit;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Corrections.Features.Reports;

public static class ReportsEndpoints
{
    /// <summary>Browsers may submit reports only from the origins of the registered sites.</summary>
    public const string SitesCorsPolicy = "registered-sites";

    public static IServiceCollection AddReportsCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<SiteDirectory>((cors, sites) =>
            cors.AddPolicy(SitesCorsPolicy, policy => policy
                .WithOrigins(sites.All.SelectMany(site => site.Origins).Distinct().ToArray())
                .WithMethods(HttpMethods.Post)
                .WithHeaders("Content-Type")
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return services;
    }

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        routes.MapSubmitReport().RequireCors(SitesCorsPolicy);
        return routes;
    }
}
