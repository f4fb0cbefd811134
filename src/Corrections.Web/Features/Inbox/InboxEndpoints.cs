using Corrections.Admin;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Admin;
using Corrections.Features.Triage;
using Corrections.Pipeline;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using static Corrections.Pages.HtmlPage;

namespace Corrections.Features.Inbox;

/// <summary>
/// The editors' inbox: the reports of the sites an editor may triage, on one page, acted on one by one or in bulk.
/// Every action goes through <see cref="TriageReport"/>, like a link or a reply, with the channel <c>inbox</c>.
/// </summary>
public static class InboxEndpoints
{
    public const int PageSize = Paging.DefaultPageSize;

    /// <summary>What the inbox's buttons may do.</summary>
    public static readonly TriageAction[] Actions = [TriageAction.Fixed, TriageAction.Reject, TriageAction.Duplicate, TriageAction.Spam, TriageAction.Reopen];

    public static IEndpointRouteBuilder MapInbox(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/inbox", ShowAsync).ExcludeFromDescription();
        routes.MapPost("/inbox/triage", TriageAsync).DisableAntiforgery().ExcludeFromDescription();
        routes.MapGet(InboxPage.ScriptPath, InboxPage.ServeScript).ExcludeFromDescription();
        return routes.MapInboxSignIn();
    }

    private static async Task<IResult> ShowAsync(HttpContext context, InboxSessions sessions, SiteDirectory sites, IMediator mediator, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-cache, no-store";
        var editor = await sessions.EditorAsync(context, cancellationToken);
        if (editor is null)
            return SignInEndpoints.AskForAddress(context, antiforgery);

        var editable = sites.TriagedBy(editor);
        var errors = new ValidationErrors();
        var filter = InboxFilter.Read(context.Request.Query, editable, errors);
        var after = ReportCursor.Decode(context.Request.Query["cursor"], errors);
        if (errors.Any)
        {
            var messages = string.Concat(errors.ToDictionary().SelectMany(e => e.Value).Select(m => $"<li>{E(m)}</li>"));
            return Render(400, "This view cannot be shown", $"""<ul>{messages}</ul><p><a href="/inbox">Open the inbox</a></p>""");
        }

        var shown = filter.Site is { } one ? editable.Where(s => s.Key.Equals(one, StringComparison.OrdinalIgnoreCase)) : editable;
        var scopes = shown.Select(s => new InboxScope(s.Key, s.DesksEditedBy(editor))).ToList();
        var page = await mediator.Send(new ListInbox(scopes, filter.Status, filter.Age, filter.Search, after, PageSize, filter.Desk), cancellationToken);
        var tokens = antiforgery.FormTokens(context);
        return InboxPage.Render(editor, editable, filter, page, tokens, context.Request.Query, after is not null);
    }

    private static async Task<IResult> TriageAsync(HttpContext context, InboxSessions sessions, SiteDirectory sites, CorrectionsDb db, IMediator mediator, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var editor = await sessions.EditorAsync(context, cancellationToken);
        if (editor is null)
            return Render(401, "Signed out", """<p>Your session has ended, so nothing was changed. <a href="/inbox">Sign in again</a></p>""");
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return Render(400, "The form has expired", """<p>Nothing was changed. <a href="/inbox">Open the inbox again</a> and repeat the action.</p>""");

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = InboxFilter.BackTo(form["back"]);
        TriageAction action;
        List<Guid> ids = [];
        if (form["one"].ToString() is { Length: > 0 } one)
        {
            // A report's own button: "ID ACTION".
            var parts = one.Split(' ', 2);
            if (parts.Length != 2 || !Guid.TryParse(parts[0], out var id) || !TryReadAction(parts[1], out action))
                return Render(400, "Unknown action", $"""<p>Nothing was changed. <a href="{E(back)}">Back to the inbox</a></p>""");
            ids.Add(id);
        }
        else
        {
            if (!TryReadAction(form["action"], out action))
                return Render(400, "Unknown action", $"""<p>Nothing was changed. <a href="{E(back)}">Back to the inbox</a></p>""");
            foreach (var value in form["ids"])
            {
                if (!Guid.TryParse(value, out var id))
                    return Render(400, "Not a report id", $"""<p>“{E(value)}” is not a report id. Nothing was changed. <a href="{E(back)}">Back to the inbox</a></p>""");
                ids.Add(id);
            }
            ids = ids.Distinct().ToList();
            if (ids.Count == 0)
                return SeeOther.To(context, InboxFilter.WithOutcome(back, "none", 0, 0));
            if (ids.Count > PageSize * 4)
                return Render(400, "Too many reports at once", $"""<p>At most {PageSize * 4} reports can be changed at once. Nothing was changed. <a href="{E(back)}">Back to the inbox</a></p>""");
        }

        var reports = await db.Reports.AsNoTracking().Where(r => ids.Contains(r.Id)).Select(r => new { r.Id, r.SiteKey, r.Desk }).ToListAsync(cancellationToken);
        var allowed = reports.Where(r => sites.Find(r.SiteKey)?.MayTriage(editor, r.Desk) == true).Select(r => r.Id).ToHashSet();
        var note = form["note"].ToString();
        int changed = 0, unchanged = ids.Count - allowed.Count;
        foreach (var id in ids.Where(allowed.Contains))
        {
            try
            {
                var outcome = await mediator.Send(new TriageReport(id, action, editor, TriageChannel.Inbox, note), cancellationToken);
                if (outcome.Applied)
                    changed++;
                else
                    unchanged++;
            }
            catch (RequestValidationException ex)
            {
                var messages = string.Concat(ex.Errors.ToDictionary().SelectMany(e => e.Value).Select(m => $"<li>{E(m)}</li>"));
                return Render(400, changed == 0 ? "Nothing was changed" : $"{changed} report(s) changed, then stopped",
                    $"""<ul>{messages}</ul><p><a href="{E(back)}">Back to the inbox</a></p>""");
            }
        }
        return SeeOther.To(context, InboxFilter.WithOutcome(back, action.Name(), changed, unchanged));
    }

    private static bool TryReadAction(string? text, out TriageAction action) =>
        TriageActions.TryParse(text, out action) && Actions.Contains(action);
}
