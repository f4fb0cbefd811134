using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Mediator;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Replies;

/// <summary>
/// Reads editors' replies from the IMAP mailbox and applies them. Each handled message is marked seen and moved to
/// the processed folder, so it is read once; the report history remembers its Message-ID, so a message that is read
/// again after a crash between applying and moving changes nothing. One instance of the service reads at a time: the
/// one that holds the reader's lease, renewed while it reads; another takes over once it has expired.
/// </summary>
public sealed class ReplyReader(
    IServiceScopeFactory scopes,
    DatabaseLease lease,
    IOptions<MailOptions> options,
    TimeProvider time,
    ILogger<ReplyReader> logger) : BackgroundService
{
    public const string LeaseName = "reply-reader";
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan LeaseCheck = TimeSpan.FromSeconds(15);
    private const int MaxMessageIdLength = 500;

    private readonly ImapOptions imap = options.Value.Imap;
    private readonly RepliesOptions replies = options.Value.Replies;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(imap.Host))
        {
            logger.LogInformation("No Mail:Imap:Host is set: triage by reply is off");
            return;
        }
        if (!replies.TakesCommands)
        {
            logger.LogWarning("Triage by reply is off: Mail:Imap:Host is set, but no Mail:Replies:TrustedAuthServId names the server that vouches for "
                + "the senders of replies. Set it to the authserv-id that your receiving server writes in its Authentication-Results headers; "
                + "Mail:Replies:AllowUnauthenticated=true takes replies without that check, and lets a forged From triage");
            return;
        }
        if (replies.TrustedAuthServId.Length == 0)
            logger.LogWarning("Mail:Replies:AllowUnauthenticated is true: replies are taken without asking the receiving server who sent them. Anyone "
                + "who has a report's reply address (a forwarded mail, a list archive) can triage it by forging an editor's From, and 'fixed' mails "
                + "its readers. Set Mail:Replies:TrustedAuthServId to check senders");

        try
        {
            await ReadWhileLeasedAsync(stoppingToken);
        }
        finally
        {
            await ReleaseLeaseAsync();
        }
    }

    private async Task ReadWhileLeasedAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await lease.TryAcquireAsync(LeaseName, LeaseDuration, stoppingToken))
                {
                    await Task.Delay(LeaseCheck, time, stoppingToken);
                    continue;
                }
                using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var renewing = RenewLeaseAsync(leaseLost);
                try
                {
                    await ReadMailboxAsync(() => failures = 0, leaseLost.Token);
                }
                catch (OperationCanceledException) when (leaseLost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning("This instance lost the reply reader's lease; another instance reads the replies");
                }
                finally
                {
                    await leaseLost.CancelAsync();
                    await renewing;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(failures, 9))));
                logger.LogWarning(ex, "Reading replies from {Host}:{Port} failed; reconnecting in {Seconds} s", imap.Host, imap.Port, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Renews the lease while the mailbox is read; cancels the reading as soon as the lease cannot be confirmed.</summary>
    private async Task RenewLeaseAsync(CancellationTokenSource reading)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LeaseCheck, time, reading.Token);
                if (!await lease.TryAcquireAsync(LeaseName, LeaseDuration, reading.Token))
                    break;
            }
        }
        catch (OperationCanceledException) when (reading.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Renewing the reply reader's lease failed; reading stops until it is taken again");
        }
        await reading.CancelAsync();
    }

    private async Task ReleaseLeaseAsync()
    {
        try
        {
            await lease.ReleaseAsync(LeaseName, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Releasing the reply reader's lease failed; another instance takes over when it expires");
        }
    }

    private async Task ReadMailboxAsync(Action connected, CancellationToken stoppingToken)
    {
        using var client = new ImapClient { Timeout = 60_000 };
        await client.ConnectAsync(imap.Host, imap.Port, (SecureSocketOptions)imap.Security, stoppingToken);
        if (!string.IsNullOrEmpty(imap.UserName))
            await client.AuthenticateAsync(imap.UserName, imap.Password, stoppingToken);
        connected();

        var inbox = imap.Folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            ? client.Inbox
            : await client.GetFolderAsync(imap.Folder, stoppingToken);
        var processed = await ProcessedFolderAsync(client, stoppingToken);
        await inbox.OpenAsync(FolderAccess.ReadWrite, stoppingToken);
        logger.LogInformation("Reading replies from {Folder} on {Host}:{Port}", inbox.FullName, imap.Host, imap.Port);

        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var uid in await inbox.SearchAsync(SearchQuery.All, stoppingToken))
            {
                var message = await inbox.GetMessageAsync(uid, stoppingToken);
                await HandleAsync(message, stoppingToken);
                await inbox.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, stoppingToken);
                await inbox.MoveToAsync(uid, processed, stoppingToken);
            }
            await WaitForMailAsync(client, inbox, stoppingToken);
        }
        await client.DisconnectAsync(quit: true, CancellationToken.None);
    }

    private async Task HandleAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var from = message.From.Mailboxes.FirstOrDefault()?.Address ?? "";
        var messageId = message.MessageId ?? $"{from}/{message.Date:O}/{message.Subject}";
        // The history keeps the id so that a reply is applied once; one longer than its column is kept as its hash.
        if (messageId.Length > MaxMessageIdLength)
            messageId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)));
        await using var scope = scopes.CreateAsyncScope();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var sender = replies.TrustedAuthServId.Length > 0 ? ReplyAuthentication.Check(message, replies.TrustedAuthServId) : SenderCheck.NotRequired;
        var outcome = await mediator.Send(
            new HandleEditorReply(messageId, ReplyText.FindToken(message, replies.Address), from, ReplyText.FirstLine(message), message.Subject, sender),
            cancellationToken);
        scope.ServiceProvider.GetRequiredService<Telemetry.CorrectionsMetrics>().ReplyHandled(outcome.ToString().ToLowerInvariant());
    }

    private async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var existing = (await root.GetSubfoldersAsync(false, cancellationToken))
            .FirstOrDefault(f => f.Name.Equals(imap.ProcessedFolder, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
            return existing;
        logger.LogInformation("Creating the IMAP folder {Folder} for handled replies", imap.ProcessedFolder);
        return await root.CreateAsync(imap.ProcessedFolder, isMessageFolder: true, cancellationToken)
            ?? throw new InvalidOperationException($"The IMAP server did not create the folder {imap.ProcessedFolder}");
    }

    /// <summary>IDLE until the folder changes or the poll interval has passed, where the server has IDLE; otherwise sleep.</summary>
    private async Task WaitForMailAsync(ImapClient client, IMailFolder inbox, CancellationToken stoppingToken)
    {
        // Every message read is moved out, so one still counted arrived after the search: the server told of it in its
        // answer to an earlier command, and an IDLE begun now would not tell of it again.
        if (inbox.Count > 0)
            return;
        var interval = TimeSpan.FromSeconds(imap.PollSeconds);
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            await Task.Delay(interval, time, stoppingToken);
            await inbox.CheckAsync(stoppingToken);
            return;
        }
        using var done = new CancellationTokenSource(interval);
        void Arrived(object? sender, EventArgs e) => done.Cancel();
        inbox.CountChanged += Arrived;
        try
        {
            await client.IdleAsync(done.Token, stoppingToken);
        }
        finally
        {
            inbox.CountChanged -= Arrived;
        }
    }
}
