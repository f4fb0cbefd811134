using System.Net.Sockets;
using Corrections.Email;
using Corrections.Features.Webhooks;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Corrections.Outbox;

public enum FailureKind
{
    /// <summary>This message failed for a reason that may pass (a 4xx reply); others in the batch may go on.</summary>
    Transient,

    /// <summary>The way out is down (network, timeout, refused login): retry later and stop the batch.</summary>
    Unavailable,

    /// <summary>Will never succeed (a 5xx reply, a broken row): park it.</summary>
    Permanent,
}

public static class Failures
{
    public static FailureKind Classify(Exception exception) => exception switch
    {
        PermanentFailureException => FailureKind.Permanent,
        // A webhook that fails is one receiver among many: it never holds up the rest of the batch.
        WebhookDeliveryException { StatusCode: >= 300 and < 500 and not 408 and not 429 } => FailureKind.Permanent,
        WebhookDeliveryException => FailureKind.Transient,
        SmtpCommandException { StatusCode: var code } when (int)code >= 500 => FailureKind.Permanent,
        SmtpCommandException => FailureKind.Transient,
        AuthenticationException or SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
            or SocketException or IOException or TimeoutException or OperationCanceledException or SslHandshakeException => FailureKind.Unavailable,
        _ => FailureKind.Transient,
    };

    /// <summary>Exponential back-off with jitter: the first retry after about <paramref name="first"/>, never more than <paramref name="max"/>.</summary>
    public static TimeSpan RetryDelay(int attempts, TimeSpan first, TimeSpan max, Random random)
    {
        var exponential = first.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, max.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.8 + 0.4 * random.NextDouble()));
    }

    /// <summary>
    /// One line for the outbox's <c>lastError</c>, the health check and the logs, with email addresses redacted: a relay's
    /// <c>550 … &lt;reader@…&gt;</c> names the reader it refused.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var text = EmailAddresses.Redact(exception switch
        {
            SmtpCommandException smtp => $"SMTP {(int)smtp.StatusCode} {smtp.ErrorCode}: {smtp.Message}",
            WebhookDeliveryException => exception.Message,
            _ => $"{exception.GetType().Name}: {exception.Message}",
        });
        return text.Length <= 2000 ? text : text[..2000];
    }

    /// <summary>The exception with its stack, addresses redacted, where it is a fault of the service rather than an answer of the relay.</summary>
    public static string? StackOfFault(Exception exception) =>
        exception is SmtpCommandException or PermanentFailureException or WebhookDeliveryException ? null : EmailAddresses.Redact(exception.ToString());
}
