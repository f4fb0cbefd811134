using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Microsoft.Extensions.Options;

namespace Corrections.Abuse;

/// <summary>
/// Turns a client address into a keyed hash whose key changes every day (UTC): equal addresses hash alike within a
/// day, for rate limits and spam analysis, and the address itself is never stored.
/// </summary>
public sealed class ClientAddressHasher(IOptions<PrivacyOptions> options, TimeProvider time)
{
    private readonly byte[] secret = options.Value.IpHashSecret.Length > 0
        ? Encoding.UTF8.GetBytes(options.Value.IpHashSecret)
        : RandomNumberGenerator.GetBytes(32);

    // The key of the current day, worked out once a day rather than once a request
    // (docs/decisions/0015-readers-requests-not-authenticated.md).
    private DayKey current = new(DateOnly.MinValue, []);

    private sealed record DayKey(DateOnly Day, byte[] Key);

    public string? Hash(IPAddress? address)
    {
        if (address is null)
            return null;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(KeyOf(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)), bytes[..length], hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private byte[] KeyOf(DateOnly day)
    {
        var known = current;
        if (known.Day == day)
            return known.Key;
        var key = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        current = new DayKey(day, key);
        return key;
    }
}
