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

    public string? Hash(IPAddress? address)
    {
        if (address is null)
            return null;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var dayKey = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(time.GetUtcNow().ToString("yyyy-MM-dd")));
        return Convert.ToHexStringLower(HMACSHA256.HashData(dayKey, address.GetAddressBytes()))[..32];
    }
}
