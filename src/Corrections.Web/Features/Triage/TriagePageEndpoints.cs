using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Pipeline;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using Corrections.Features.PageCheck;
using static Corrections.Pages.HtmlPage;

namespace Corrections.Features.Triage;

/// <summary>
/// The page behind an action link in the editors' mail. Opening it changes nothing, because mail scanners open
/// every link; its button posts the action.
/// </summary>
public static class TriagePageEndpoints
{
    public static IEndpointRouteBuilder MapTriagePages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/triage/{token}", ShowAsync).ExcludeFromDescription();
        routes.MapPost("/triage/{token}", ApplyAsync).DisableAntiforgery().ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> ShowAsync(string token, HttpContext context, TriageLinks links, CorrectionsDb db, SiteDirectory sites, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var (link, report, site, failure) = await CheckAsync(token, links, db, sites, cancellationToken);
        if (failure is not null)
            return failure;

        var body = Describe(report!, site!);
        if (link!.Action.TargetStatus() == report!.Status)
        {
            body += await AlreadyAppliedAsync(db, report, cancellationToken);
            return Render(200, $"Already {StatusName(report.Status)}", body);
        }

        var tokens = antiforgery.FormTokens(context);
        body += $"""
            <form method="post" action="/triage/{E(token)}">
            <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
            {ExtraFields(link.Action)}
            <button type="submit">{E(link.Action.Label())}</button>
            </form>
            <p class="meta">Signed in as {E(link.Editor)} by this link, valid until {link.ExpiresAt:yyyy-MM-dd}.</p>
            """;
        return Render(200, $"{link.Action.Label()} this report?", body);
    }

    private static async Task<IResult> ApplyAsync(string token, HttpContext context, TriageLinks links, SiteDirectory sites, CorrectionsDb db, IMediator mediator, IAntiforgery antiforgery, PassageChecks passageChecks, CancellationToken cancellationToken)
    {
        var (link, _, _, failure) = await CheckAsync(token, links, db, sites, cancellationToken);
        if (failure is not null)
            return failure;
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return Render(400, "The form has expired", "<p>Open the link from the mail again and press the button once more.</p>");

        var form = await context.Request.ReadFormAsync(cancellationToken);
        Guid? duplicateOf = null;
        if (link!.Action == TriageAction.Duplicate && form["duplicateOf"].ToString().Trim() is { Length: > 0 } original)
        {
            if (!Guid.TryParse(original, out var id))
                return Render(400, "Not a report id", $"<p>“{E(original)}” is not a report id. Go back and paste the id shown at the bottom of the other report's mail, or leave the field empty.</p>");
            duplicateOf = id;
        }

        TriageOutcome outcome;
        try
        {
            outcome = await mediator.Send(new TriageReport(link.ReportId, link.Action, link.Editor, TriageChannel.Link, form["note"].ToString(), duplicateOf), cancellationToken);
        }
        catch (NotFoundException ex)
        {
            return Render(404, "Not found", $"<p>{E(ex.Message)}</p>");
        }
        catch (RequestValidationException ex)
        {
            var messages = string.Concat(ex.Errors.ToDictionary().SelectMany(e => e.Value).Select(m => $"<li>{E(m)}</li>"));
            return Render(400, "Nothing was changed", $"<ul>{messages}</ul><p>Go back and correct it.</p>");
        }

        var report = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == outcome.ReportId, cancellationToken);
        if (!outcome.Applied)
            return Render(200, $"Already {StatusName(report.Status)}", await AlreadyAppliedAsync(db, report, cancellationToken));
        // The editor's word stands; the page only says what the article still shows.
        var stillShown = outcome.Status == ReportStatus.Fixed && await passageChecks.IsOnPageNowAsync(report, cancellationToken)
            ? """<p class="notice">The live page still shows the passage. It may be cached, or the change not yet published.</p>"""
            : "";
        return Render(200, $"Marked as {StatusName(outcome.Status)}",
            $"""<p class="notice">The report is now <span class="status">{E(StatusName(outcome.Status))}</span>. Thank you.</p>{stillShown}<p class="meta">Report {report.Id}</p>""");
    }

    private static async Task<(TriageLink? Link, Report? Report, Site? Site, IResult? Failure)> CheckAsync(
        string token, TriageLinks links, CorrectionsDb db, SiteDirectory sites, CancellationToken cancellationToken)
    {
        var (state, link) = links.Read(token);
        switch (state)
        {
            case TriageLinkState.Invalid:
                return (null, null, null, Render(400, "This link is not valid", "<p>The link is incomplete or was changed. Open it again from the mail, or copy the whole address.</p>"));
            case TriageLinkState.Expired:
                return (null, null, null, Render(410, "This link has expired", $"<p>Action links work for a limited time; this one expired on {link!.ExpiresAt:yyyy-MM-dd}. Reply to the mail instead, or use a newer mail.</p>"));
        }
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == link!.ReportId, cancellationToken);
        if (report is null)
            return (null, null, null, Render(404, "Report not found", "<p>This report no longer exists.</p>"));
        var site = sites.Find(report.SiteKey);
        if (site is null || !site.MayTriage(link!.Editor, report.Desk))
            return (null, null, null, Render(403, "Not an editor of this site", $"<p>{E(link!.Editor)} is no longer among the editors of this site, so this link cannot change the report.</p>"));
        return (link, report, site, null);
    }

    private static string ExtraFields(TriageAction action) => action switch
    {
        TriageAction.Duplicate => """<label for="duplicateOf">Duplicate of report (id, optional)</label><input type="text" id="duplicateOf" name="duplicateOf" autocomplete="off">""",
        _ => """<label for="note">Note (optional)</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea>""",
    };

    private static string Describe(Report report, Site site)
    {
        var suggestion = report.Suggestion is { Length: > 0 } s
            ? "<p><strong>Suggested:</strong> " + WordDiff.AsHtml(report.Exact, s) + "</p>"
            : "";
        var comment = report.Comment is { Length: > 0 } c ? $"<p><strong>Comment:</strong> {E(c)}</p>" : "";
        return $"""
            <p class="meta">{E(site.Name)} · <a href="{E(report.Url)}" rel="noopener noreferrer">{E(string.IsNullOrWhiteSpace(report.Title) ? report.Url : report.Title)}</a> · {report.ReaderCount} reader(s)</p>
            <blockquote>…{E(report.Prefix)}<mark>{E(report.Exact)}</mark>{E(report.Suffix)}…</blockquote>
            {suggestion}{comment}
            <p>Status: <span class="status">{E(StatusName(report.Status))}</span></p>
            """;
    }

    private static async Task<string> AlreadyAppliedAsync(CorrectionsDb db, Report report, CancellationToken cancellationToken)
    {
        var last = await db.ReportEvents.AsNoTracking()
            .Where(e => e.ReportId == report.Id && e.ToStatus == report.Status && e.FromStatus != e.ToStatus)
            .OrderByDescending(e => e.Id)
            .FirstOrDefaultAsync(cancellationToken);
        return last is null
            ? "<p class=\"notice\">Nothing was changed.</p>"
            : $"<p class=\"notice\">{E(last.Actor)} marked it {E(StatusName(report.Status))} on {last.At:yyyy-MM-dd HH:mm} UTC (by {E(last.Channel.ToString().ToLowerInvariant())}). Nothing was changed.</p>";
    }

    public static string StatusName(ReportStatus status) => status.ToString().ToLowerInvariant();
}
