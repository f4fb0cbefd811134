using Corrections.Features.Reports.Submit;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Corrections.Features.Reports;

public static class ReportsEndpoints
{
    /// <summary>
    /// Any page may ask, and read the answer; the endpoint takes reports for a site only from that site's origins and
    /// answers others 403, which the widget can then show its reader (docs/decisions/0018-refused-origins-are-told.md).
    /// </summary>
    public const string SitesCorsPolicy = "any-page";

    public static IServiceCollection AddReportsCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddSingleton<RefusedOrigins>();
        services.AddOptions<CorsOptions>().Configure(cors =>
            cors.AddPolicy(SitesCorsPolicy, policy => policy
                .SetIsOriginAllowed(_ => true)
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
