using Corrections.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Widget;

/// <summary>What the script needs to know about its site; public, as it is shown to every reader anyway.</summary>
/// <param name="MinimumFillMilliseconds">
/// How long the dialog must have been open before a report is taken for a person's; the widget waits that long before it
/// sends, so that no reader's report, sent in a hurry, is kept as a bot's.
/// </param>
public sealed record WidgetSettings(string Name, string Language, int MinimumFillMilliseconds);

public static class WidgetSettingsEndpoint
{
    public static Results<Ok<WidgetSettings>, ProblemHttpResult> Get(string key, SiteDirectory sites, IOptions<AbuseOptions> abuse, HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.CacheControl = "public, max-age=600";
        if (sites.Find(key) is not { } site)
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown site.",
                detail: $"No site with the key '{key}' is registered here; check the data-site attribute of the script tag.");
        return TypedResults.Ok(new WidgetSettings(site.Name, site.Language, abuse.Value.MinimumFillMilliseconds));
    }
}
