using Corrections.Features.Reports.Submit;

namespace Corrections.Features.Reports;

public static class ReportsEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        routes.MapSubmitReport();
        return routes;
    }
}
