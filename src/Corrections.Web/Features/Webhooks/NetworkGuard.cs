using System.Net;
using Corrections.Outbound;

namespace Corrections.Features.Webhooks;

/// <summary>
/// Keeps webhooks off the service's own network at start-up: a webhook's address is configuration, but the name it
/// resolves to is not, so the address is checked again when the connection is made (<see cref="PrivateNetworks"/>).
/// </summary>
public static class NetworkGuard
{
    /// <summary>Whether a URL names, literally, an address or host that webhooks may not reach without leave.</summary>
    public static bool IsRefusedHost(Uri url) =>
        url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost, out var address)
            ? PrivateNetworks.IsPrivate(address)
            : url.DnsSafeHost.Equals("localhost", StringComparison.OrdinalIgnoreCase) || url.DnsSafeHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
