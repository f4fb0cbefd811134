using System.Net;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Corrections.BrowserTests.Infrastructure;

/// <summary>
/// A news site on another origin than the service: article pages that embed the widget, one of them under a strict
/// Content-Security-Policy. Query parameters choose the site key, the page's language and direction, the article's own
/// language (article-lang), extra attributes of the script tag (data-*), the hint element's attribute (hint), hostile
/// styles (hostile) and a screenful of space above the article (tall).
/// </summary>
public sealed class TestPages : IAsyncDisposable
{
    public const string Headline = "Riverside tram line approved";
    public const string Lede = "The council voted on Monday to build a seven-kilometre tram line along the river.";
    public const string Cost = "Construction begins next spring, and the national goverment has promised to pay half of the cost.";
    public static readonly string LongText = string.Concat(Enumerable.Repeat("The tram will stop at eleven stations on its way to the new hospital. ", 18)).Trim();

    /// <summary>The article as the widget reads it: what the reader sees, one line a block.</summary>
    public static readonly string RenderedArticle = $"{Headline}\n{Lede}\n{Cost}\n{LongText}\nShare";

    /// <summary>
    /// Rules of a careless or hostile site that reach every element, the widget's host among them, and a root font size
    /// of 10 px; none may change the dialog.
    /// </summary>
    public const string HostileStyles = """
        html { font-size: 62.5%; }
        body * { text-transform: uppercase !important; letter-spacing: 3px !important; word-spacing: 8px !important;
          text-align: right !important; -webkit-text-fill-color: #c00 !important; line-height: 3 !important; font-style: italic !important; }
        * { text-transform: uppercase; text-indent: 20px; }
        """;

    private readonly WebApplication app;

    private TestPages(WebApplication app, string origin)
    {
        this.app = app;
        Origin = origin;
    }

    public string Origin { get; }

    public static async Task<TestPages> StartAsync(string serviceOrigin)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();

        app.MapGet("/favicon.ico", () => Results.NoContent());
        app.MapGet("/page.css", () => Results.Text("body { font: 18px/1.5 Georgia, serif; max-width: 40em; margin: 2em auto; }", "text/css"));
        app.MapGet("/hostile.css", () => Results.Text(HostileStyles, "text/css"));
        app.MapGet("/news/{**slug}", (HttpRequest request) => Results.Content(Article(request, serviceOrigin), "text/html; charset=utf-8"));
        app.MapGet("/strict/{**slug}", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy =
                $"default-src 'none'; script-src {serviceOrigin}; connect-src {serviceOrigin}; style-src 'self'; img-src 'self'";
            return Results.Content(Article(context.Request, serviceOrigin), "text/html; charset=utf-8");
        });

        await app.StartAsync();
        return new TestPages(app, app.Urls.Single());
    }

    private static string Article(HttpRequest request, string serviceOrigin)
    {
        string Param(string name, string fallback) => request.Query.TryGetValue(name, out var value) ? value.ToString() : fallback;
        var attribute = (string name, string value) => $" {name}=\"{HttpUtility.HtmlAttributeEncode(value)}\"";

        var lang = Param("lang", "en");
        var html = lang.Length == 0 ? "" : attribute("lang", lang);
        if (request.Query.ContainsKey("dir"))
            html += attribute("dir", Param("dir", "ltr"));
        var script = attribute("src", $"{serviceOrigin}/widget.js") + attribute("data-site", Param("site", "demo"));
        foreach (var (name, value) in request.Query.Where(q => q.Key.StartsWith("data-", StringComparison.Ordinal)))
            script += attribute(name, value.ToString());
        var canonical = request.Query.TryGetValue("canonical", out var link) ? $"<link rel=\"canonical\"{attribute("href", link.ToString())}>" : "";
        var hostile = request.Query.ContainsKey("hostile") ? "<link rel=\"stylesheet\" href=\"/hostile.css\">" : "";
        var hint = attribute("data-corrections-hint", Param("hint", ""));
        var articleLang = request.Query.ContainsKey("article-lang") ? attribute("lang", Param("article-lang", "")) : "";
        // Far enough down that a link to a passage must scroll to show it.
        var space = request.Query.ContainsKey("tall") ? "<div id=\"space\" style=\"height: 3000px\"></div>" : "";
        if (request.Query.TryGetValue("author", out var author))
            canonical += $"<meta name=\"author\"{attribute("content", author.ToString())}>";
        if (request.Query.TryGetValue("articleAuthor", out var articleAuthor))
            canonical += $"<meta property=\"article:author\"{attribute("content", articleAuthor.ToString())}>";
        if (request.Query.TryGetValue("section", out var section))
            canonical += $"<meta property=\"article:section\"{attribute("content", section.ToString())}>";

        return $"""
            <!doctype html>
            <html{html}>
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Headline} — The Test Gazette</title>
            <link rel="stylesheet" href="/page.css">
            {hostile}
            {canonical}
            <script{script} async></script>
            </head>
            <body>
            <header><p id="hint"{hint}></p></header>
            <main>
            {space}
            <article{articleLang}>
            <h1>{Headline}</h1>
            <p id="lede">The council voted on <em>Monday</em> to build a <a href="/">seven-kilometre</a> tram<span hidden> (hidden note)</span> line along the river.</p>
            <p id="cost">{Cost}</p>
            <p id="long">{LongText}</p>
            <p><button id="share" type="button">Share</button></p>
            </article>
            <form id="form"><input id="field" value="A field with typed text"> <textarea id="notes">Notes typed by the reader</textarea></form>
            <div id="editor" contenteditable="true">An editable note with a mistake</div>
            </main>
            </body>
            </html>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
