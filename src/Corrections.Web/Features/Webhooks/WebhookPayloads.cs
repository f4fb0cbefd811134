using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Notifications;
using Corrections.Features.Triage;

namespace Corrections.Features.Webhooks;

/// <summary>The event as JSON, as docs/webhooks.md and the OpenAPI document describe it.</summary>
public sealed record WebhookEvent(
    Guid Id,
    string Type,
    DateTimeOffset CreatedAt,
    WebhookSite Site,
    WebhookReport Report,
    WebhookStatusChange? Change);

public sealed record WebhookSite(string Key, string Name);

public sealed record WebhookReport(
    Guid Id,
    string Status,
    string Url,
    string? Title,
    string? Language,
    WebhookSelection Selection,
    string? Suggestion,
    string? Comment,
    int ReaderCount,
    DateTimeOffset CreatedAt,
    string ArticleLink,
    string? Desk,
    string? Author,
    string? Section);

public sealed record WebhookSelection(string Exact, string Prefix, string Suffix);

public sealed record WebhookStatusChange(string From, string To, string Action, string Actor, string Channel, string? Note);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(SlackMessage))]
public sealed partial class WebhookJson : JsonSerializerContext;

/// <summary>An incoming-webhook message: Slack renders its mrkdwn <c>text</c>, Mattermost translates it, links included.</summary>
public sealed record SlackMessage(string Text);

public sealed class WebhookPayloads(TriageLinks links)
{
    public byte[] Json(ReportChanged notification, Report report, Site site) =>
        JsonSerializer.SerializeToUtf8Bytes(Event(notification, report, site), WebhookJson.Default.WebhookEvent);

    public static WebhookEvent Event(ReportChanged notification, Report report, Site site) => new(
        notification.EventId,
        notification.EventType,
        notification.OccurredAt,
        new WebhookSite(site.Key, site.Name),
        new WebhookReport(
            report.Id, Name(report.Status), report.Url, report.Title, report.Language,
            new WebhookSelection(report.Exact, report.Prefix, report.Suffix),
            report.Suggestion, report.Comment, report.ReaderCount, report.CreatedAt,
            TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix),
            report.Desk, report.Author, report.Section),
        notification.Change is { } change
            ? new WebhookStatusChange(Name(change.From), Name(change.To), change.Action, change.Actor, change.Channel.ToString().ToLowerInvariant(), change.Note)
            : null);

    /// <summary>
    /// The passage with the error in bold, the correction as a diff, the article link and, for a report still new, the
    /// triage links, signed for the webhook. Every reader's text is escaped, so it can neither link nor mention anyone.
    /// </summary>
    public byte[] Slack(ReportChanged notification, Report report, Site site, Webhook webhook)
    {
        var text = new StringBuilder();
        var article = string.IsNullOrWhiteSpace(report.Title) ? report.Url : EditorMail.OneLine(report.Title, 200);
        if (notification.Change is { } change)
            text.Append($"Report on {Escape(site.Name)} marked *{Name(change.To)}* by {Escape(change.Actor)}").AppendLine();
        else
            text.Append($"{EditorMail.Readers(report.ReaderCount)} reported a mistake on {Escape(site.Name)}{(report.Desk is { } desk ? $" ({Escape(desk)})" : "")}").AppendLine();
        text.Append($"<{Escape(TextFragment.Link(report.Url, report.Prefix, report.Exact, report.Suffix))}|{Escape(article)}>").AppendLine();
        text.Append($"> …{Escape(OneLine(report.Prefix))}*{Escape(OneLine(report.Exact))}*{Escape(OneLine(report.Suffix))}…").AppendLine();
        if (report.Suggestion is { Length: > 0 } suggestion)
        {
            text.Append("Correction: ");
            foreach (var part in WordDiff.Compare(report.Exact, suggestion))
                text.Append(part.Kind switch
                {
                    DiffKind.Deleted => $"~{Escape(OneLine(part.Text).Trim())}~ ",
                    DiffKind.Inserted => $"*{Escape(OneLine(part.Text).Trim())}* ",
                    _ => Escape(OneLine(part.Text)),
                });
            text.AppendLine();
        }
        if (report.Comment is { Length: > 0 } comment)
            text.Append($"Comment: {Escape(OneLine(comment))}").AppendLine();
        if (report.Status == ReportStatus.New)
            text.AppendJoin(" · ", TriageActions.Linked.Select(action => $"<{Escape(links.Url(report.Id, action, webhook.Actor))}|{action.Label()}>"));
        return JsonSerializer.SerializeToUtf8Bytes(new SlackMessage(text.ToString().TrimEnd()), WebhookJson.Default.SlackMessage);
    }

    private static string Name(ReportStatus status) => status.ToString().ToLowerInvariant();

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>
    /// Slack's own escaping, which Mattermost follows, so that no reader's text can make a link; and a word joiner after
    /// every <c>@</c>, so that it cannot mention anyone in Mattermost, which reads <c>@channel</c> in plain text.
    /// </summary>
    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("@", "@\u2060");
}
