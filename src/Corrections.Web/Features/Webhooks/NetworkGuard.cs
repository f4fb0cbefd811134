using System.Net;
using System.Net.Sockets;

namespace Corrections.Features.Webhooks;

/// <summary>
/// Keeps webhooks off the service's own network: a webhook's address is configuration, but the name it resolves to is
/// not, so the address is checked again when the connection is made, after resolving.
/// </summary>
public static class NetworkGuard
{
    /// <summary>Whether a URL names, literally, an address or host that webhooks may not reach without leave.</summary>
    public static bool IsRefusedHost(Uri url) =>
        url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost, out var address)
            ? IsRefused(address)
            : url.DnsSafeHost.Equals("localhost", StringComparison.OrdinalIgnoreCase) || url.DnsSafeHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loopback, private (RFC 1918, RFC 6598, unique local), link-local, unspecified and multicast addresses.</summary>
    public static bool IsRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10
                || b[0] == 0
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 169 && b[1] == 254)
                || b[0] >= 224;
        }
        var bytes = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (bytes[0] & 0xfe) == 0xfc;
    }

    /// <summary>
    /// Connects to the first address of the host that may be reached; refuses, with <see cref="RefusedAddressException"/>,
    /// a host whose every address is refused, unless <paramref name="allowPrivateNetworks"/>.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivateNetworks) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = allowPrivateNetworks ? addresses : addresses.Where(a => !IsRefused(a)).ToArray();
            if (allowed.Length == 0)
                throw new RefusedAddressException($"The webhook's host {host} resolves only to private, link-local or loopback addresses, which webhooks may reach only with Webhooks:AllowPrivateNetworks=true");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}

public sealed class RefusedAddressException(string message) : Exception(message);
