using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Inbox;

/// <summary>An editor asked to sign in to the inbox; published from the outbox.</summary>
/// <remarks>The row carries no token: the link is made when the mail is sent, so that no usable secret waits in the outbox.</remarks>
public sealed record InboxSignInRequested(string Editor) : IOutboxNotification
{
    public static string OutboxType => "InboxSignInRequested";
}

public sealed class MailSignInLink(
    CorrectionsDb db,
    SiteDirectory sites,
    TimeProvider time,
    IMailTransport transport,
    IOptions<MailOptions> mail,
    IOptions<ServiceOptions> service,
    IOptions<InboxOptions> options,
    ILogger<MailSignInLink> logger) : INotificationHandler<InboxSignInRequested>
{
    public async ValueTask Handle(InboxSignInRequested notification, CancellationToken cancellationToken)
    {
        if (sites.TriagedBy(notification.Editor).Count == 0)
        {
            logger.LogInformation("A sign-in link was asked for by an address that is no longer an editor; not mailed");
            return;
        }
        var now = time.GetUtcNow();
        var minutes = options.Value.SignInLinkMinutes;
        var token = Secrets.NewToken();
        // Links that ran out a day ago are cleared here, where links are made, rather than by a job of their own.
        var stale = now.AddDays(-1);
        await db.InboxSignIns.Where(s => s.ExpiresAt < stale).ExecuteDeleteAsync(cancellationToken);
        db.InboxSignIns.Add(new InboxSignIn { TokenHash = Secrets.Hash(token), Editor = notification.Editor, CreatedAt = now, ExpiresAt = now.AddMinutes(minutes) });
        await db.SaveChangesAsync(cancellationToken);

        var url = $"{service.Value.PublicUrl.TrimEnd('/')}{SignInEndpoints.LinkPath(token)}";
        var from = MailboxAddress.Parse(mail.Value.From);
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(notification.Editor));
        message.Subject = "Sign in to the corrections inbox";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain")
        {
            Text = $"Open this link to sign in to the inbox of reported mistakes:\n\n{url}\n\n"
                + $"It works once, within {minutes} minutes. If you did not ask for it, ignore this mail: nobody can sign in without the link.\n",
        };
        message.Prepare(EncodingConstraint.SevenBit);
        await transport.SendAsync(message, cancellationToken);
    }
}
