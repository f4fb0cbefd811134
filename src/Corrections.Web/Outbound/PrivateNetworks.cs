using System.Net;
using System.Net.Sockets;

namespace Corrections.Outbound;

/// <summary>
/// Keeps the service's own requests (reading articles, delivering webhooks) off networks that are not the public
/// internet. A URL's host is checked where the connection is made, on the addresses it resolved to, so that a name that
/// resolves differently between a check and the connection cannot slip through.
/// </summary>
public static class PrivateNetworks
{
    /// <summary>
    /// Addresses that are not on the public internet: loopback, private (RFC 1918, RFC 6598, unique local), link-local,
    /// unspecified, broadcast, multicast and Teredo.
    /// </summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
        var bytes = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (bytes[0] & 0xFE) == 0xFC // unique local fc00::/7
            || address.IsIPv6Teredo;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects to the first of the host's addresses the service
    /// may reach: with <paramref name="allowPrivateNetworks"/> off, none that <see cref="IsPrivate"/>. A host with no
    /// such address is refused with <see cref="RefusedAddressException"/>, saying <paramref name="refusal"/> of the host.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivateNetworks, Func<string, string> refusal) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            var allowed = allowPrivateNetworks ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
                throw new RefusedAddressException(addresses.Length == 0 ? $"{host} has no address" : refusal(host));
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

/// <summary>The connection was refused by the service itself: the address is one it may not reach.</summary>
public sealed class RefusedAddressException(string message) : Exception(message)
{
    /// <summary>The refusal behind an HTTP client's failure, which wraps what the connect callback threw.</summary>
    public static RefusedAddressException? In(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is RefusedAddressException refused)
                return refused;
        return null;
    }
}
