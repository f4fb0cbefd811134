using System.Net;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Notifications;
using Corrections.Features.Reports.Submit;
using Corrections.Features.Triage;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Digests;

/// <summary>
/// The digest mail: the reports grouped by article, each numbered, with its readers, the passage with the error marked,
/// the suggestion as a diff, the deep link and its triage links. A reply names a report by its number: "3 fixed".
/// </summary>
public sealed class DigestMail(IOptions<MailOptions> mailOptions, EditorMail editorMail, TriageLinks links)
{
    private readonly MailboxAddress from = MailboxAddress.Parse(mailOptions.Value.From);

    public const string ReplyHelp = "Reply with a report's number and a command on the first line, such as \u201c3 fixed\u201d or \u201c2 spam\u201d: " + EditorMail.ReplyCommands;

    /// <param name="reports">The digest's reports by their number, as they are now.</param>
    public MimeMessage Compose(Digest digest, IReadOnlyList<(int Number, Report Report)> reports, Site site, string editor)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(from.Name, from.Address));
        message.To.Add(MailboxAddress.Parse(editor));
        var reply = editorMail.ReplyAddress(digest.ReplyToken);
        if (reply is not null)
            message.ReplyTo.Add(MailboxAddress.Parse(reply));
        var articles = reports.Select(r => Passage(r.Report)).Distinct().Count();
        var tag = digest.Desk is { } desk ? $"{EditorMail.OneLine(site.Name, 60)} · {EditorMail.OneLine(desk, 40)}" : EditorMail.OneLine(site.Name, 60);
        message.Subject = $"[{tag}] Digest: {Count(reports.Count, "report")} on {Count(articles, "article")}";
        var recipient = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(editor.ToLowerInvariant())))[..8];
        message.MessageId = $"digest-{digest.Id}.{recipient}@{editorMail.Domain}";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Corrections-Digest", digest.Id.ToString());

        var items = reports.Select(r => (r.Number, r.Report, Actions: r.Report.Status == ReportStatus.New
            ? TriageActions.Linked.Select(action => (action, links.Url(r.Report.Id, action, editor))).ToArray()
            : [])).ToList();
        var body = new BodyBuilder { TextBody = PlainText(items, site, digest, reply is not null), HtmlBody = Html(items, site, digest, reply is not null) };
        message.Body = body.ToMessageBody();
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    private static string Passage(Report report) => Storage.Passage.PageOf(report.Url);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string PlainText(List<(int Number, Report Report, (TriageAction Action, string Url)[] Actions)> items, Site site, Digest digest, bool replies)
    {
        var text = new StringBuilder();
        text.AppendLine($"New reports on {EditorMail.OneLine(site.Name, 200)}{(digest.Desk is { } desk ? $", desk {EditorMail.OneLine(desk, 100)}" : "")}, since the last digest.");
        string? article = null;
        foreach (var (number, report, actions) in items)
        {
            if (Passage(report) != article)
            {
                article = Passage(report);
                text.AppendLine();
                text.AppendLine("Article:");
                if (report.Title is { Length: > 0 } title)
                    EditorMail.Fenced(text, EditorMail.OneLine(title, SubmitReportValidator.MaxTitle));
                EditorMail.Fenced(text, report.Url);
            }
            text.AppendLine();
            text.AppendLine($"[{number}] {EditorMail.Readers(report.ReaderCount)}{(report.Status == ReportStatus.New ? "" : $", already {report.Status.ToString().ToLowerInvariant()}")}:");
            EditorMail.Fenced(text, $"…{report.Prefix}[[{report.Exact}]]{report.Suffix}…");
            if (report.Suggestion is { Length: > 0 } suggestion)
            {
                text.AppendLine("  Suggested correction ([-deleted-] {+inserted+}):");
                EditorMail.Fenced(text, WordDiff.AsText(report.Exact, suggestion));
            }
            if (report.Comment is { Length: > 0 } comment)
            {
                text.AppendLine("  Comment:");
                EditorMail.Fenced(text, comment);
            }
            text.AppendLine($"  Open at the passage: {TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix)}");
            foreach (var (action, url) in actions)
                text.AppendLine($"  {action.Label()}: {url}");
        }
        text.AppendLine();
        if (replies)
            text.AppendLine(ReplyHelp + ".");
        text.AppendLine($"Digest {digest.Id}");
        return text.ToString();
    }

    private static string Html(List<(int Number, Report Report, (TriageAction Action, string Url)[] Actions)> items, Site site, Digest digest, bool replies)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>");
        html.Append("<body style=\"font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:640px\">");
        html.Append($"<p style=\"color:#555\">New reports on <strong>{E(site.Name)}</strong>{(digest.Desk is { } desk ? $", desk <strong>{E(desk)}</strong>" : "")}, since the last digest.</p>");
        string? article = null;
        foreach (var (number, report, actions) in items)
        {
            if (Passage(report) != article)
            {
                article = Passage(report);
                html.Append($"<h2 style=\"font-size:17px;margin:24px 0 8px\"><a href=\"{E(report.Url)}\">{E(string.IsNullOrWhiteSpace(report.Title) ? report.Url : report.Title)}</a></h2>");
            }
            html.Append("<div style=\"margin:0 0 16px;padding:8px 12px;border:1px solid #d0d7de;border-radius:6px\">");
            html.Append($"<p style=\"margin:0 0 4px;color:#555\"><strong>{number}</strong> · {E(EditorMail.Readers(report.ReaderCount))}{(report.Status == ReportStatus.New ? "" : $" · already {E(report.Status.ToString().ToLowerInvariant())}")}</p>");
            html.Append($"<blockquote style=\"margin:0;padding:4px 8px;border-left:4px solid #d0d7de;background:#f6f8fa\">…{E(report.Prefix)}<mark style=\"background:#ffe58f\">{E(report.Exact)}</mark>{E(report.Suffix)}…</blockquote>");
            if (report.Suggestion is { Length: > 0 } suggestion)
            {
                html.Append("<p style=\"margin:4px 0\">").Append(EditorMail.SuggestionHtml(report.Exact, suggestion)).Append("</p>");
            }
            if (report.Comment is { Length: > 0 } comment)
                html.Append($"<p style=\"margin:4px 0;color:#555\">{E(comment).ReplaceLineEndings("<br>")}</p>");
            html.Append($"<p style=\"margin:8px 0 0\"><a href=\"{E(TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix))}\">Open at the passage</a>");
            foreach (var (action, url) in actions)
                html.Append($" · <a href=\"{E(url)}\">{E(action.Label())}</a>");
            html.Append("</p></div>");
        }
        if (replies)
            html.Append($"<p style=\"color:#555;font-size:13px\">{E(ReplyHelp)}.</p>");
        html.Append($"<p style=\"color:#888;font-size:12px\">Digest {digest.Id} · {E(site.Name)}</p></body></html>");
        return html.ToString();
    }
}
