using System.Text.RegularExpressions;
using Corrections.Configuration;

namespace Corrections.Email;

public static partial class EmailAddresses
{
    public const string Redacted = "<redacted>";

    /// <summary>
    /// Domains that never reach a reader's mailbox: the special-use names of RFC 6761 and RFC 6762, and names kept for
    /// private networks. Their subdomains are refused as well.
    /// </summary>
    private static readonly string[] ReservedDomains = ["localhost", "local", "invalid", "test", "example", "internal", "home.arpa", "onion", "lan", "intranet", "corp", "localdomain"];

    /// <summary>
    /// Replaces every email address in <paramref name="text"/> (with its angle brackets, if any) by <c>&lt;redacted&gt;</c>;
    /// for relays' replies such as <c>550 5.1.1 &lt;reader@example.net&gt;: Recipient address rejected</c>.
    /// </summary>
    public static string Redact(string text) => Address().Replace(text, Redacted);

    /// <summary>
    /// Whether a reader's address can be a mailbox on the internet: a plain local part (no quotes) and a domain name of at
    /// least two labels, neither an address literal (<c>[127.0.0.1]</c>) nor all digits nor reserved (<c>localhost</c>,
    /// <c>.local</c>, <c>.test</c> …) unless <paramref name="allowReservedDomains"/>.
    /// </summary>
    public static bool IsReaderAddress(string value, bool allowReservedDomains)
    {
        if (!OptionsValidation.IsEmailAddress(value) || !ReaderAddress().IsMatch(value))
            return false;
        var domain = value[(value.LastIndexOf('@') + 1)..].ToLowerInvariant();
        if (domain[(domain.LastIndexOf('.') + 1)..].All(char.IsAsciiDigit))
            return false;
        return allowReservedDomains || !ReservedDomains.Any(reserved => domain == reserved || domain.EndsWith("." + reserved, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"<?(?:""[^""\r\n]*""|[^\s<>@""'(),;:\[\]]+)@[^\s<>@""'(),;:]+>?")]
    private static partial Regex Address();

    /// <summary>
    /// An unquoted local part of RFC 5322's atom characters and dots, and a domain name of two or more labels; letters of
    /// any script, for internationalised addresses (RFC 6531).
    /// </summary>
    [GeneratedRegex(@"^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?(\.[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?)+$")]
    private static partial Regex ReaderAddress();
}
