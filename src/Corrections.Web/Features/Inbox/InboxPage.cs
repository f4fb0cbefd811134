using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Notifications;
using Corrections.Features.Triage;
using Corrections.Features.Widget;
using Microsoft.AspNetCore.Antiforgery;
using static Corrections.Pages.HtmlPage;

namespace Corrections.Features.Inbox;

/// <summary>The inbox as HTML: filters, the reports grouped by article, and forms that work without script.</summary>
public static class InboxPage
{
    public const string ScriptPath = "/assets/inbox.js";

    private static readonly EmbeddedAsset Script = EmbeddedAsset.Load("inbox.js", "text/javascript; charset=utf-8");

    public static IResult ServeScript(HttpContext context) => Script.Serve(context, "public, max-age=300");

    private static readonly (string Key, string Does)[] Keys =
    [
        ("j", "next report"), ("k", "previous report"), ("x", "select or unselect the report"),
        ("f", "fixed"), ("r", "reject"), ("d", "duplicate"), ("s", "spam"), ("?", "show or hide these keys"),
    ];

    public static IResult Render(string editor, IReadOnlyList<Site> editable, InboxFilter filter, InboxReports page, AntiforgeryTokenSet tokens, IQueryCollection query, bool laterPage)
    {
        var html = new StringBuilder();
        var antiforgery = $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
        html.Append($"""
            <div class="bar"><p class="meta">Signed in as {E(editor)}</p>
            <form method="post" action="/inbox/sign-out">{antiforgery}<button type="submit" class="link">Sign out</button></form></div>
            """);
        html.Append(Outcome(query));
        html.Append(Filters(editable, filter));
        html.Append("""<details class="keys" id="keys"><summary>Keyboard shortcuts</summary><dl>""");
        foreach (var (key, does) in Keys)
            html.Append($"<dt>{E(key)}</dt><dd>{E(does)}</dd>");
        html.Append("</dl><p class=\"meta\">With reports selected, f, r, d and s act on all of them; otherwise on the current one.</p></details>");

        // The form's first button is a disabled one, so that Enter in the note field submits nothing: otherwise it
        // would press the first action.
        html.Append($"""
            <form method="post" action="/inbox/triage" id="triage">
            <button type="submit" disabled hidden tabindex="-1"></button>
            {antiforgery}
            <input type="hidden" name="back" value="{E(filter.ToQuery(query["cursor"].ToString() is { Length: > 0 } c ? c : null))}">
            <div class="bulk" role="group" aria-label="Act on the selected reports">
            <label for="note">Note</label><input type="text" id="note" name="note" maxlength="2000" placeholder="optional">
            """);
        foreach (var action in InboxEndpoints.Actions)
            html.Append($"""<button type="submit" name="action" value="{action.Name()}">{E(action.Label())}</button>""");
        html.Append("</div>");

        if (page.Items.Count == 0)
            html.Append("""<p class="notice">No reports match.</p>""");
        var sitesByKey = editable.ToDictionary(s => s.Key, StringComparer.OrdinalIgnoreCase);
        var article = 0;
        foreach (var group in page.Items.GroupBy(i => i.Url.Split('?', '#')[0]))
        {
            article++;
            var first = group.First();
            var title = string.IsNullOrWhiteSpace(first.Title) ? group.Key : first.Title;
            var siteName = sitesByKey.GetValueOrDefault(first.Site)?.Name ?? first.Site;
            html.Append($"""
                <section class="article">
                <h2 id="article-{article}"><a href="{E(group.Key)}" rel="noopener noreferrer">{E(title)}</a></h2>
                <p class="meta">{E(siteName)} · {group.Count()} report(s)</p>
                <ol class="reports">
                """);
            foreach (var item in group)
                html.Append(Item(item));
            html.Append("</ol></section>");
        }
        html.Append("</form>");

        html.Append("""<nav class="paging" aria-label="Pages">""");
        if (laterPage)
            html.Append($"""<a href="{E(filter.ToQuery())}">First page</a>""");
        if (page.Next is not null)
            html.Append($"""<a href="{E(filter.ToQuery(page.Next))}" rel="next">Next page</a>""");
        html.Append("</nav>");
        return Corrections.Pages.HtmlPage.Render(200, "Inbox", html.ToString(), ScriptPath, wide: true);
    }

    private static string Item(InboxItem item)
    {
        var html = new StringBuilder();
        html.Append($"""
            <li class="report" id="report-{item.Id}" tabindex="-1">
            <div class="pick"><input type="checkbox" name="ids" value="{item.Id}" id="select-{item.Id}"><label for="select-{item.Id}">Select<span class="hidden-label"> “{E(EditorMailOneLine(item.Exact))}”</span></label></div>
            <blockquote>…{E(item.Prefix)}<mark>{E(item.Exact)}</mark>{E(item.Suffix)}…</blockquote>
            """);
        if (item.Suggestion is { Length: > 0 } suggestion)
            html.Append("<p><strong>Suggested:</strong> ").Append(WordDiff.AsHtml(item.Exact, suggestion)).Append("</p>");
        if (item.Comment is { Length: > 0 } comment)
            html.Append($"<p><strong>Comment:</strong> {E(comment)}</p>");
        var deepLink = TextFragment.Link(item.Url, item.Prefix, item.Exact, item.Suffix);
        html.Append($"""
            <p class="meta"><span class="status">{E(TriagePageEndpoints.StatusName(item.Status))}</span>{(item.Desk is { } desk ? $" · desk {E(desk)}" : "")} · {EditorMail.Readers(item.ReaderCount)} · {item.CreatedAt:yyyy-MM-dd HH:mm} UTC · <a href="{E(deepLink)}" rel="noopener noreferrer">Open at the passage</a></p>
            """);
        if (EditorMail.LivePageLine(item.Passage, item.PassageReason) is { } livePage)
            html.Append($"<p class=\"meta live-page\">{E(livePage)}</p>");
        if (item.LastChange is { } change)
            html.Append($"""<p class="meta">{E(TriagePageEndpoints.StatusName(change.ToStatus))} by {E(change.Actor)} ({E(change.Channel.ToString().ToLowerInvariant())}), {change.At:yyyy-MM-dd HH:mm} UTC{(change.Note is { } note ? $": {E(note)}" : "")}</p>""");
        html.Append("""<div class="actions">""");
        var offered = item.Status == ReportStatus.New ? TriageActions.Linked : [TriageAction.Reopen];
        foreach (var action in offered)
            html.Append($"""<button type="submit" name="one" value="{item.Id} {action.Name()}" data-action="{action.Name()}">{E(action.Label())}</button>""");
        html.Append("</div></li>");
        return html.ToString();
    }

    private static string EditorMailOneLine(string text) => Notifications.EditorMail.OneLine(text, 60);

    private static string Filters(IReadOnlyList<Site> editable, InboxFilter filter)
    {
        static string Option(string value, string label, bool selected) =>
            $"""<option value="{E(value)}"{(selected ? " selected" : "")}>{E(label)}</option>""";

        var html = new StringBuilder("""<form method="get" action="/inbox" class="filters" role="search" aria-label="Filter the reports">""");
        html.Append("""<div><label for="filter-site">Site</label><select id="filter-site" name="site">""");
        html.Append(Option("", "All my sites", filter.Site is null));
        foreach (var site in editable)
            html.Append(Option(site.Key, site.Name, site.Key == filter.Site));
        html.Append("</select></div>");
        var desks = editable.SelectMany(s => s.Desks).Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (desks.Count > 0)
        {
            html.Append("""<div><label for="filter-desk">Desk</label><select id="filter-desk" name="desk">""");
            html.Append(Option("", "All desks", filter.Desk is null));
            foreach (var desk in desks)
                html.Append(Option(desk, desk, desk.Equals(filter.Desk, StringComparison.OrdinalIgnoreCase)));
            html.Append("</select></div>");
        }
        html.Append("""<div><label for="filter-status">Status</label><select id="filter-status" name="status">""");
        foreach (var status in Enum.GetValues<ReportStatus>())
            html.Append(Option(TriagePageEndpoints.StatusName(status), status == ReportStatus.New ? "open" : TriagePageEndpoints.StatusName(status), filter.Status == status));
        html.Append(Option(InboxFilter.AllStatuses, "all", filter.Status is null));
        html.Append("</select></div>");
        html.Append("""<div><label for="filter-age">Received</label><select id="filter-age" name="age">""");
        foreach (var (age, label) in new[] { (InboxAge.Any, "any time"), (InboxAge.Day, "in the last day"), (InboxAge.Week, "in the last week"), (InboxAge.Month, "in the last month"), (InboxAge.Older, "more than a month ago") })
            html.Append(Option(age == InboxAge.Any ? "" : age.ToString().ToLowerInvariant(), label, filter.Age == age));
        html.Append("</select></div>");
        html.Append($"""<div><label for="filter-q">Search</label><input type="search" id="filter-q" name="q" value="{E(filter.Search)}" maxlength="{InboxFilter.MaxSearch}"></div>""");
        html.Append("""<button type="submit">Show</button></form>""");
        return html.ToString();
    }

    private static string Outcome(IQueryCollection query)
    {
        var done = query["done"].ToString();
        if (done.Length == 0)
            return "";
        if (done == "none")
            return """<p class="notice" role="status">Select at least one report first.</p>""";
        // Only the service's own words: a crafted link cannot make the page say something else.
        if (!TriageActions.TryParse(done, out var action) || !InboxEndpoints.Actions.Contains(action))
            return "";
        done = action.Name();
        _ = int.TryParse(query["changed"], out var changed);
        _ = int.TryParse(query["unchanged"], out var unchanged);
        var did = done switch
        {
            "reject" => "rejected",
            "reopen" => "reopened",
            _ => $"marked {done}",
        };
        var text = $"{changed} report{(changed == 1 ? "" : "s")} {did}.";
        if (unchanged > 0)
            text += $" {unchanged} already had that status or could not be changed.";
        return $"""<p class="notice" role="status">{E(text)}</p>""";
    }
}
