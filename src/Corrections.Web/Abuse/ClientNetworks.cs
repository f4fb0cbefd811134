using System.Net;
using System.Net.Sockets;

namespace Corrections.Abuse;

/// <summary>
/// Whom the rate limits count as one client, and as one network. An IPv6 subscriber is usually given a whole /64 and
/// may use any address in it, so a client is an IPv4 address or an IPv6 /64; a network, an IPv4 /24 or an IPv6 /48
/// (a site's usual allocation). An IPv4 address mapped into IPv6 counts as IPv4.
/// </summary>
public static class ClientNetworks
{
    /// <summary>What requests without a known address are counted under, together.</summary>
    public const string Unknown = "unknown";

    public static string ClientOf(IPAddress? address) => Prefix(address, ipv4Bits: 32, ipv6Bits: 64);

    public static string NetworkOf(IPAddress? address) => Prefix(address, ipv4Bits: 24, ipv6Bits: 48);

    private static string Prefix(IPAddress? address, int ipv4Bits, int ipv6Bits)
    {
        if (address is null)
            return Unknown;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? ipv4Bits : ipv6Bits;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        bytes = bytes[..length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] &= (byte)(0xFF << (8 - Math.Clamp(bits - 8 * i, 0, 8)));
        return new IPNetwork(new IPAddress(bytes), bits).ToString();
    }
}
