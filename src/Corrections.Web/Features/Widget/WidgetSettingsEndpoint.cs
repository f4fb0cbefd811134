using Corrections.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Corrections.Features.Widget;

/// <summary>What the script needs to know about its site; public, as it is shown to every reader anyway.</summary>
public sealed record WidgetSettings(string Name, string Language);

public static class WidgetSettingsEndpoint
{
    public static Results<Ok<WidgetSettings>, ProblemHttpResult> Get(string key, SiteDirectory sites, HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.CacheControl = "public, max-age=600";
        if (sites.Find(key) is not { } site)
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown site.",
                detail: $"No site with the key '{key}' is registered here; check the data-site attribute of the script tag.");
        return TypedResults.Ok(new WidgetSettings(site.Name, site.Language));
    }
}
