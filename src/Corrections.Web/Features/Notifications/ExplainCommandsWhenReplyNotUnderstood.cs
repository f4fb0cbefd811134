using Corrections.Outbox;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Notifications;

public sealed record ReplyNotUnderstood(Guid ReportId, string Editor, string InReplyTo, string? Subject, string? Line) : IOutboxNotification
{
    public static string OutboxType => "ReplyNotUnderstood";
}

public sealed class ExplainCommandsWhenReplyNotUnderstood(CorrectionsDb db, EditorMail editorMail, IOptions<MailOptions> options, IMailTransport transport)
    : INotificationHandler<ReplyNotUnderstood>
{
    public async ValueTask Handle(ReplyNotUnderstood notification, CancellationToken cancellationToken)
    {
        var report = await db.Reports.AsNoTracking().FirstAsync(r => r.Id == notification.ReportId, cancellationToken);
        var from = MailboxAddress.Parse(options.Value.From);
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(notification.Editor));
        if (editorMail.ReplyAddress(report) is { } reply)
            message.ReplyTo.Add(MailboxAddress.Parse(reply));
        var subject = EditorMail.OneLine(notification.Subject ?? "", 150);
        message.Subject = subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? subject : $"Re: {subject}";
        message.InReplyTo = notification.InReplyTo;
        message.References.Add(notification.InReplyTo);
        message.Headers.Add("Auto-Submitted", "auto-replied");
        var heard = EditorMail.OneLine(notification.Line ?? "", 80);
        message.Body = new TextPart("plain")
        {
            Text = $"The first line of your reply{(heard.Length > 0 ? $", “{heard}”," : "")} is not a command, so report {report.Id} was not changed.\n\n"
                + $"Reply with one of these on the first line:\n  fixed\n  reject [reason]\n  duplicate [of ID]\n  spam\n  reopen\nAny other sentence is added to the report's history as a note.\n",
        };
        message.Prepare(EncodingConstraint.SevenBit);
        await transport.SendAsync(message, cancellationToken);
    }
}
