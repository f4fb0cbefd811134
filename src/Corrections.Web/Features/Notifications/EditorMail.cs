using System.Net;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Reports.Submit;
using Corrections.Features.Triage;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Notifications;

/// <summary>Writes the mail that tells a site's editors about a report.</summary>
public sealed class EditorMail(IOptions<MailOptions> mailOptions, IOptions<ServiceOptions> serviceOptions, TriageLinks links)
{
    private const int SubjectPassageLength = 60;
    private const int SubjectTitleLength = 80;

    private readonly MailboxAddress from = MailboxAddress.Parse(mailOptions.Value.From);
    private readonly string replyAddress = mailOptions.Value.Replies.TakesCommands ? mailOptions.Value.Replies.Address : "";
    private readonly string inboxUrl = serviceOptions.Value.PublicUrl.TrimEnd('/') + "/inbox";

    /// <summary>One mail per editor, because its action links are signed for that editor.</summary>
    public MimeMessage Compose(Report report, Site site, string editor)
    {
        var message = new MimeMessage();
        // A copy: a MimeKit address listens to the lists it is added to, so one shared instance would keep every message alive.
        message.From.Add(new MailboxAddress(from.Name, from.Address));
        message.To.Add(MailboxAddress.Parse(editor));
        if (ReplyAddress(report) is { } reply)
            message.ReplyTo.Add(MailboxAddress.Parse(reply));
        message.Subject = Subject(report, site);
        message.MessageId = MessageId(report, editor);
        var thread = ArticleThreadId(report);
        message.InReplyTo = thread;
        message.References.Add(thread);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Corrections-Report", report.Id.ToString());

        var actions = TriageActions.Linked.Select(action => (action, links.Url(report.Id, action, editor))).ToArray();
        var body = new BodyBuilder { TextBody = PlainText(report, site, actions, inboxUrl, replyAddress.Length > 0), HtmlBody = Html(report, site, actions, inboxUrl, replyAddress.Length > 0) };
        message.Body = body.ToMessageBody();
        // Quoted-printable or base64 where needed, so every line stays within SMTP's limits, also in .eml files.
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    private string MailDomain => from.Domain.Length > 0 ? from.Domain : "localhost";

    public string MessageId(Report report, string editor)
    {
        var recipient = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(editor.ToLowerInvariant())))[..8];
        return $"report-{report.Id:N}.{recipient}@{MailDomain}";
    }

    /// <summary>The report's own reply address, <c>local+TOKEN@domain</c>: a reply that reaches it proves which report it is about.</summary>
    public string? ReplyAddress(Report report) => ReplyAddress(report.ReplyToken);

    /// <summary><c>local+TOKEN@domain</c>, or null when editors cannot triage by reply.</summary>
    public string? ReplyAddress(string token)
    {
        if (replyAddress.Length == 0)
            return null;
        var at = replyAddress.LastIndexOf('@');
        return $"{replyAddress[..at]}+{token}{replyAddress[at..]}";
    }

    public string Domain => MailDomain;

    /// <summary>Reports on one article share a root id, so mail clients thread them together.</summary>
    public string ArticleThreadId(Report report)
    {
        var page = report.Url.Split('?', '#')[0];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{report.SiteKey}\n{page}")))[..32];
        return $"article-{hash}@{MailDomain}";
    }

    public static string Subject(Report report, Site site)
    {
        var title = string.IsNullOrWhiteSpace(report.Title) ? new Uri(report.Url).AbsolutePath : report.Title;
        var tag = report.Desk is { } desk ? $"{OneLine(site.Name, 60)} · {OneLine(desk, 40)}" : OneLine(site.Name, 60);
        return $"[{tag}] “{OneLine(report.Exact, SubjectPassageLength)}” — {OneLine(title, SubjectTitleLength)}";
    }

    /// <summary>Collapses every kind of white space and control character to single spaces and cuts at a word.</summary>
    public static string OneLine(string text, int maxLength)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (builder.Length > 0 && builder[^1] != ' ')
                    builder.Append(' ');
            }
            else
                builder.Append(c);
        }
        var line = builder.ToString().Trim();
        if (line.Length <= maxLength)
            return line;
        var cut = line.LastIndexOf(' ', maxLength - 1);
        return line[..(cut > maxLength / 2 ? cut : maxLength - 1)].TrimEnd() + "…";
    }

    /// <summary>"1 reader", "3 readers": how many readers reported a mistake, as every mail and page says it.</summary>
    public static string Readers(int count) => count == 1 ? "1 reader" : $"{count} readers";

    private static string ReadersLine(Report report) => $"{Readers(report.ReaderCount)} reported";

    /// <summary>
    /// The text part. Every line that a reader wrote (title, passage, suggestion, comment; the URL too) is indented and
    /// fenced with <c>  | </c>, and the title is one line, so that nothing a reader writes can pass for the service's
    /// own lines, such as the triage links.
    /// </summary>
    private static string PlainText(Report report, Site site, (TriageAction Action, string Url)[] actions, string inboxUrl, bool replies)
    {
        var text = new StringBuilder();
        text.AppendLine($"{ReadersLine(report)} a mistake on {OneLine(site.Name, 200)}.");
        if (report.Desk is { } desk)
            text.AppendLine($"Desk: {OneLine(desk, 100)}");
        text.AppendLine();
        text.AppendLine("Article:");
        if (report.Title is { Length: > 0 } title)
            Fenced(text, OneLine(title, SubmitReportValidator.MaxTitle));
        Fenced(text, report.Url);
        text.AppendLine();
        text.AppendLine("Passage:");
        Fenced(text, $"…{report.Prefix}[[{report.Exact}]]{report.Suffix}…");
        if (LivePageLine(report.Passage, report.PassageReason) is { } livePage)
            text.AppendLine(livePage);
        if (report.Suggestion is { Length: > 0 } suggestion)
        {
            text.AppendLine();
            text.AppendLine("Suggested correction ([-deleted-] {+inserted+}):");
            Fenced(text, WordDiff.AsText(report.Exact, suggestion));
        }
        if (report.Comment is { Length: > 0 } comment)
        {
            text.AppendLine();
            text.AppendLine("Comment:");
            Fenced(text, comment);
        }
        text.AppendLine();
        text.AppendLine("Open the article at the passage:");
        text.AppendLine(TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix));
        text.AppendLine();
        text.AppendLine("Triage:");
        foreach (var (action, url) in actions)
            text.AppendLine($"  {action.Label()}: {url}");
        text.AppendLine($"  Open the inbox: {inboxUrl}");
        if (replies)
            text.AppendLine($"Or reply with one word on the first line: {ReplyCommands}.");
        text.AppendLine();
        text.AppendLine($"Report {report.Id}");
        return text.ToString();
    }

    /// <summary>A reader's text as lines that each begin with <c>  | </c>, whatever line breaks it holds.</summary>
    internal static void Fenced(StringBuilder text, string readerText)
    {
        foreach (var line in readerText.ReplaceLineEndings("\n").Split('\n'))
            text.Append("  | ").AppendLine(line);
    }

    /// <summary>What the service saw on the article, when it has read it.</summary>
    public static string? LivePageLine(PassageState? passage, string? reason) => passage switch
    {
        PassageState.Found => "The passage is on the live page.",
        PassageState.NotFound => "Not found on the live page: already fixed, or the page changed.",
        PassageState.Unknown => $"The live page could not be read: {reason}.",
        _ => null,
    };

    /// <summary>The suggestion as a word diff in a mail's HTML part, styled inline for mail clients.</summary>
    public static string SuggestionHtml(string exact, string suggestion) =>
        WordDiff.AsHtml(exact, suggestion, " style=\"background:#ffd7d5;color:#82071e\"", " style=\"background:#ccffd8;color:#055d20;text-decoration:none\"");

    public const string ReplyCommands = "fixed, reject [reason], duplicate [of ID], spam, reopen; any other text is added as a note";

    private static string Html(Report report, Site site, (TriageAction Action, string Url)[] actions, string inboxUrl, bool replies)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        static string Paragraphs(string s) => E(s).ReplaceLineEndings("<br>");

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>");
        html.Append("<body style=\"font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:640px\">");
        html.Append($"<p style=\"color:#555;margin:0 0 12px\">{E(ReadersLine(report))} a mistake on <strong>{E(site.Name)}</strong> in ");
        html.Append($"<a href=\"{E(report.Url)}\">{E(string.IsNullOrWhiteSpace(report.Title) ? report.Url : report.Title)}</a></p>");
        if (report.Desk is { } desk)
            html.Append($"<p style=\"color:#555;margin:0 0 12px\">Desk: <strong>{E(desk)}</strong></p>");

        html.Append("<h3 style=\"font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:#777;margin:16px 0 4px\">Passage</h3>");
        html.Append("<blockquote style=\"margin:0;padding:8px 12px;border-left:4px solid #d0d7de;background:#f6f8fa\">");
        html.Append($"…{E(report.Prefix)}<mark style=\"background:#ffe58f;padding:0 2px\">{E(report.Exact)}</mark>{E(report.Suffix)}…</blockquote>");
        if (LivePageLine(report.Passage, report.PassageReason) is { } livePage)
            html.Append($"<p style=\"color:#555;font-size:13px;margin:4px 0 0\">{E(livePage)}</p>");

        if (report.Suggestion is { Length: > 0 } suggestion)
        {
            html.Append("<h3 style=\"font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:#777;margin:16px 0 4px\">Suggested correction</h3><p style=\"margin:0\">");
            html.Append(SuggestionHtml(report.Exact, suggestion)).Append("</p>");
        }
        if (report.Comment is { Length: > 0 } comment)
        {
            html.Append("<h3 style=\"font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:#777;margin:16px 0 4px\">Comment</h3>");
            html.Append($"<p style=\"margin:0\">{Paragraphs(comment)}</p>");
        }
        var deepLink = TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix);
        html.Append($"<p style=\"margin:20px 0\"><a href=\"{E(deepLink)}\" style=\"display:inline-block;padding:8px 14px;background:#0969da;color:#fff;border-radius:6px;text-decoration:none\">Open the article at this passage</a></p>");
        html.Append("<p style=\"margin:12px 0\">");
        foreach (var (action, url) in actions)
            html.Append($"<a href=\"{E(url)}\" style=\"display:inline-block;margin:0 6px 6px 0;padding:6px 12px;border:1px solid #d0d7de;border-radius:6px;color:#1a1a1a;text-decoration:none\">{E(action.Label())}</a>");
        html.Append($"<a href=\"{E(inboxUrl)}\" style=\"display:inline-block;margin:0 6px 6px 0;padding:6px 12px;color:#0969da\">Open the inbox</a>");
        html.Append("</p>");
        if (replies)
            html.Append($"<p style=\"color:#555;font-size:13px\">Or reply with one word on the first line: {E(ReplyCommands)}.</p>");
        html.Append($"<p style=\"color:#888;font-size:12px\">Report {E(report.Id.ToString())} · {E(site.Name)}</p>");
        html.Append("</body></html>");
        return html.ToString();
    }
}
