using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Corrections.Features.Replies;

/// <summary>Whether the server that received a reply vouches for its sender, and if not, why not.</summary>
public sealed record SenderCheck(bool Vouched, string Reason)
{
    public static readonly SenderCheck NotRequired = new(true, "replies are taken without authentication (Mail:Replies:AllowUnauthenticated)");
}

/// <summary>
/// Reads the verdict of the receiving mail server from the reply's <c>Authentication-Results</c> headers (RFC 8601). Only
/// the topmost header from the trusted server counts: that server adds it on top as it receives the mail, and any below
/// it, or from other ids, may have come with the mail from its sender. The server vouches for the <c>From</c> address
/// with <c>dmarc=pass</c> (for the From's domain, where it names one), or with <c>dkim=pass</c> for a signature of the
/// From's own domain (<c>header.d</c>).
/// </summary>
public static class ReplyAuthentication
{
    public static SenderCheck Check(MimeMessage reply, string trustedAuthServId)
    {
        var fromDomain = reply.From.Mailboxes.FirstOrDefault()?.Domain?.TrimEnd('.');
        if (string.IsNullOrEmpty(fromDomain))
            return new SenderCheck(false, "the reply has no From address");

        var results = reply.Headers
            .Where(h => h.Id == HeaderId.AuthenticationResults)
            .Select(h => AuthenticationResults.TryParse(h.RawValue, out var parsed) ? parsed : null)
            .FirstOrDefault(r => string.Equals(r?.AuthenticationServiceIdentifier, trustedAuthServId, StringComparison.OrdinalIgnoreCase));
        if (results is null)
            return new SenderCheck(false, $"no Authentication-Results header from {trustedAuthServId}");

        bool IsFromDomain(string? domain) => string.Equals(domain?.TrimEnd('.'), fromDomain, StringComparison.OrdinalIgnoreCase);
        string? Property(AuthenticationMethodResult result, string type, string name) => result.Properties
            .FirstOrDefault(p => string.Equals(p.PropertyType, type, StringComparison.OrdinalIgnoreCase) && string.Equals(p.Property, name, StringComparison.OrdinalIgnoreCase))?.Value;
        bool Passed(AuthenticationMethodResult result, string method) =>
            string.Equals(result.Method, method, StringComparison.OrdinalIgnoreCase) && string.Equals(result.Result, "pass", StringComparison.OrdinalIgnoreCase);

        if (results.Results.Any(r => Passed(r, "dmarc") && (Property(r, "header", "from") is not { } from || IsFromDomain(from))))
            return new SenderCheck(true, "dmarc=pass");
        if (results.Results.Any(r => Passed(r, "dkim") && IsFromDomain(Property(r, "header", "d"))))
            return new SenderCheck(true, $"dkim=pass for {fromDomain}");

        var found = string.Join(", ", results.Results
            .Where(r => r.Method is "dmarc" or "dkim" or "spf")
            .Select(r => $"{r.Method}={r.Result}"));
        return new SenderCheck(false, $"{trustedAuthServId} shows {(found.Length > 0 ? found : "no dmarc or dkim result")} for {fromDomain}");
    }
}
