using System.Security.Cryptography;
using System.Text;

namespace Corrections.Features.Webhooks;

/// <summary>
/// <c>Corrections-Signature: t=UNIX_SECONDS,v1=HEX</c>, where HEX is the HMAC-SHA256, keyed with the webhook's secret,
/// of the seconds, a dot and the body: Stripe's scheme, so that the receiver can refuse replays of old deliveries.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Corrections-Signature";

    public static string Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var seconds = at.ToUnixTimeSeconds();
        return $"t={seconds},v1={Compute(secret, seconds, body)}";
    }

    public static string Compute(string secret, long seconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{seconds}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
