using System.Net.Sockets;
using Corrections.Configuration;
using Corrections.Outbox;
using Corrections.Telemetry;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Email;

/// <summary>Hands a message on. Scoped: one instance serves one dispatcher batch.</summary>
public interface IMailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>Sends through the configured relay, reusing one connection for every message of a batch.</summary>
public sealed class SmtpMailTransport(
    IOptions<MailOptions> options,
    SmtpHealth health,
    CorrectionsMetrics metrics,
    ILogger<SmtpMailTransport> logger) : IMailTransport, IAsyncDisposable
{
    private readonly SmtpOptions smtp = options.Value.Smtp;
    private SmtpClient? client;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await SendThroughRelayAsync(message, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var kind = Failures.Classify(ex);
            metrics.MailFailed(kind.ToString());
            // A 5xx refuses this one message; the relay itself answered and works.
            if (kind != FailureKind.Permanent)
                health.RecordFailure(Failures.Describe(ex));
            throw;
        }
        health.RecordSuccess();
        metrics.MailSent();
    }

    private async Task SendThroughRelayAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var connected = await ConnectAsync(cancellationToken);
        try
        {
            await connected.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException)
        {
            throw; // a refused message leaves the connection usable
        }
        catch
        {
            await DisconnectAsync();
            throw;
        }
        // Recipients stay out of the log: a thank-you goes to a reader.
        logger.LogInformation("Mail {MessageId} accepted by {Host}", message.MessageId, smtp.Host);
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (client is { IsConnected: true })
            return client;
        await DisconnectAsync();

        var fresh = new SmtpClient { Timeout = smtp.TimeoutSeconds * 1000 };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(smtp.TimeoutSeconds));
            // Nagle's algorithm holds the end of each message until the relay acknowledges the part before it, which TCP's
            // delayed acknowledgement puts off: one message per delay, whatever the relay's speed
            // (docs/decisions/0013-smtp-without-nagle.md).
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(smtp.Host, smtp.Port, timeout.Token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            await fresh.ConnectAsync(socket, smtp.Host, smtp.Port, (SecureSocketOptions)smtp.Security, timeout.Token);
            if (!string.IsNullOrEmpty(smtp.UserName))
                await fresh.AuthenticateAsync(smtp.UserName, smtp.Password, timeout.Token);
        }
        // Our deadline and MailKit's read timeout, both Mail:Smtp:TimeoutSeconds, race each other: either is the same silence.
        catch (Exception ex) when (ex is TimeoutException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            fresh.Dispose();
            throw new TimeoutException($"The SMTP server {smtp.Host}:{smtp.Port} did not answer within {smtp.TimeoutSeconds} s", ex);
        }
        catch (AuthenticationException ex)
        {
            fresh.Dispose();
            logger.LogError(ex, "The SMTP server {Host}:{Port} refused the login of {UserName}; mail waits until Mail:Smtp is fixed", smtp.Host, smtp.Port, smtp.UserName);
            throw;
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        return client = fresh;
    }

    private async Task DisconnectAsync()
    {
        if (client is null)
            return;
        try
        {
            if (client.IsConnected)
                await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Closing the SMTP connection failed");
        }
        client.Dispose();
        client = null;
    }

    public async ValueTask DisposeAsync() => await DisconnectAsync();
}

/// <summary>Without a relay, mail is written as .eml files to a folder and logged, so it can be read without any server.</summary>
public sealed class PickupDirectoryMailTransport(IOptions<MailOptions> options, TimeProvider time, ILogger<PickupDirectoryMailTransport> logger) : IMailTransport
{
    private readonly string folder = Path.GetFullPath(options.Value.PickupDirectory);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var name = $"{time.GetUtcNow():yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(folder, name);
        var partial = path + ".partial";
        // Written aside and renamed, so a reader of the folder never sees half a message.
        await message.WriteToAsync(partial, cancellationToken);
        File.Move(partial, path);
        logger.LogInformation("Mail {MessageId} written to {Path}: {Subject}", message.MessageId, path, message.Subject);
    }
}
