using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace Corrections.Pages;

/// <summary>The service's own small pages: one layout, one stylesheet, everything dynamic HTML-encoded by the caller.</summary>
public static class HtmlPage
{
    public const string StylesheetPath = "/assets/page.css";

    /// <param name="script">The path of a script of the service's own that enhances the page; the page works without it.</param>
    /// <param name="wide">A page of lists, wider than a page of prose.</param>
    public static IResult Render(int statusCode, string title, string bodyHtml, string? script = null, bool wide = false) =>
        Results.Content(
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>{E(title)} · Corrections</title>
            <link rel="stylesheet" href="{StylesheetPath}">{(script is null ? "" : $"\n<script src=\"{E(script)}\" defer></script>")}
            </head>
            <body>
            <main{(wide ? " class=\"wide\"" : "")}>
            <h1>{E(title)}</h1>
            {bodyHtml}
            </main>
            </body>
            </html>
            """,
            "text/html; charset=utf-8",
            Encoding.UTF8,
            statusCode);

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>
    /// The antiforgery tokens of a page with a form, which no cache may keep: marked so here, as the antiforgery
    /// service would otherwise do itself, with a warning in the log for every such page.
    /// </summary>
    public static AntiforgeryTokenSet FormTokens(this IAntiforgery antiforgery, HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers.Pragma = "no-cache";
        return antiforgery.GetAndStoreTokens(context);
    }

    public static IEndpointRouteBuilder MapPageAssets(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(StylesheetPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Text(Stylesheet, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
        return routes;
    }

    private const string Stylesheet = """
        :root { color-scheme: light dark; --fg: #1a1a1a; --muted: #5f6368; --bg: #fff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0969da; --mark: #ffe58f; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --panel: #161b22; --line: #30363d; --accent: #4493f8; --mark: #6b5a00; } }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.55 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
        main { max-width: 40rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
        h1 { font-size: 1.4rem; margin: 0 0 1rem; }
        .meta { color: var(--muted); font-size: .9rem; }
        blockquote { margin: 1rem 0; padding: .75rem 1rem; background: var(--panel); border-left: 4px solid var(--line); }
        mark { background: var(--mark); color: inherit; padding: 0 .1em; }
        del { background: #ffd7d5; color: #82071e; } ins { background: #ccffd8; color: #055d20; text-decoration: none; }
        .status { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; border: 1px solid var(--line); font-size: .85rem; }
        form { margin-top: 1.5rem; display: grid; gap: .75rem; }
        label { font-weight: 600; font-size: .9rem; }
        textarea, input[type=text] { width: 100%; font: inherit; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
        button { justify-self: start; font: inherit; font-weight: 600; padding: .55rem 1.2rem; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
        button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .notice { padding: .75rem 1rem; border-radius: 6px; background: var(--panel); border: 1px solid var(--line); }
        a { color: var(--accent); }
        main.wide { max-width: 64rem; }
        .hidden-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
        .bar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; }
        .bar form, .inline { margin: 0; display: inline; }
        button.link { background: none; color: var(--accent); padding: 0; text-decoration: underline; font-weight: 400; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
        .filters div { display: grid; gap: .2rem; }
        select, input[type=search] { font: inherit; padding: .4rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); max-width: 100%; }
        .bulk { position: sticky; top: 0; z-index: 1; background: var(--bg); border-bottom: 1px solid var(--line); padding: .5rem 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        .bulk input[type=text] { flex: 1 1 12rem; width: auto; }
        .bulk button, .actions button { justify-self: auto; padding: .4rem .8rem; }
        .actions { display: flex; flex-wrap: wrap; gap: .4rem; }
        .actions button { background: var(--bg); color: var(--fg); border: 1px solid var(--line); font-weight: 400; }
        .article h2 { font-size: 1.1rem; margin: 1.5rem 0 .25rem; overflow-wrap: anywhere; }
        .reports { list-style: none; margin: 0; padding: 0; }
        .report { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .5rem 0; overflow-wrap: anywhere; }
        .report.current, .report:focus { outline: 3px solid var(--accent); outline-offset: 1px; }
        .report blockquote { margin: .5rem 0; }
        .report p { margin: .35rem 0; }
        .pick { display: flex; gap: .4rem; align-items: center; }
        .pick input { width: 1.25rem; height: 1.25rem; }
        .keys dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem 1rem; margin: .5rem 0; }
        .keys dt { font-family: ui-monospace, monospace; font-weight: 700; }
        .keys dd { margin: 0; }
        .paging { display: flex; gap: 1rem; margin: 1.5rem 0; }
        @media (max-width: 30rem) { main { padding: 1rem .75rem 2rem; } .filters > div, .filters select, .filters input { width: 100%; } }
        """;
}
