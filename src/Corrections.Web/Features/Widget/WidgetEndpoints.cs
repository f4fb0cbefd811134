using System.Text.Json;
using System.Text.Json.Nodes;
using Corrections.Configuration;
using Microsoft.AspNetCore.Cors;

namespace Corrections.Features.Widget;

/// <summary>
/// What a news site's pages load: the script; when a dialog first opens, the settings of its site and its words in a
/// language other than English; and the demo article.
/// </summary>
public static class WidgetEndpoints
{
    public const string DemoSiteKey = "demo";

    // The URL has no version in it, so caches keep the script for an hour and then revalidate it by its ETag.
    private const string ScriptCaching = "public, max-age=3600";

    private static readonly EmbeddedAsset Script = EmbeddedAsset.Load("widget.js", "text/javascript; charset=utf-8");
    // One file per language, cut at start-up from widget-lang.json, which holds the words of every language but English.
    private static readonly Dictionary<string, EmbeddedAsset> Languages = JsonNode.Parse(EmbeddedAsset.Read("widget-lang.json"))!.AsObject()
        .ToDictionary(language => language.Key, language => EmbeddedAsset.Of(JsonSerializer.SerializeToUtf8Bytes(language.Value), "application/json; charset=utf-8"));
    private static readonly EmbeddedAsset DemoPage = EmbeddedAsset.Load("demo.html", "text/html; charset=utf-8");
    private static readonly EmbeddedAsset DemoStyles = EmbeddedAsset.Load("demo.css", "text/css; charset=utf-8");

    public static IEndpointRouteBuilder MapWidget(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/widget.js", (HttpContext context) =>
        {
            // Any site may load the script, also with crossorigin="anonymous" or under Cross-Origin-Embedder-Policy.
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
            return Script.Serve(context, ScriptCaching);
        }).WithMetadata(new DisableCorsAttribute()).ExcludeFromDescription(); // open to every origin, one cached response for all

        routes.MapGet("/widget/lang/{language}.json", (string language, HttpContext context) =>
        {
            if (!Languages.TryGetValue(language, out var words))
                return Results.NotFound();
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
            return words.Serve(context, ScriptCaching);
        }).WithMetadata(new DisableCorsAttribute()).ExcludeFromDescription();

        routes.MapGet("/api/sites/{key}/widget", WidgetSettingsEndpoint.Get).WithMetadata(new DisableCorsAttribute())
            .WithTags("Widget").WithSummary("A site's name and language, for the widget");

        routes.MapGet("/", (HttpContext context, SiteDirectory sites) =>
        {
            if (sites.Find(DemoSiteKey) is null)
                return Results.NotFound();
            // The demo runs under the strictest policy a site may have: scripts and styles only from files, no inline code.
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            return DemoPage.Serve(context, "no-cache");
        }).ExcludeFromDescription();
        routes.MapGet("/demo.css", (HttpContext context) => DemoStyles.Serve(context, "no-cache")).ExcludeFromDescription();
        return routes;
    }
}
