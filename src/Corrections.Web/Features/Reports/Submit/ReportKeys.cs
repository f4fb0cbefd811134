using System.Security.Cryptography;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// A new report's id and reply token. Both begin with the time, so that the reports of a group, made together, go to
/// the end of their indexes instead of a random page each.
/// </summary>
public sealed class ReportKeys
{
    public const int ReplyTokenLength = 32;

    // In the order of the characters' codes, so that tokens sort as their times do.
    private const string TokenAlphabet = "234567abcdefghijklmnopqrstuvwxyz";
    private const int TokenTimeLength = 9;

    /// <summary>A version 7 id (RFC 9562): the time in milliseconds, then 74 random bits.</summary>
    public Guid NewId(DateTimeOffset at) => Guid.CreateVersion7(at);

    /// <summary>
    /// The time in milliseconds (9 characters, enough until the year 3084), then 115 random bits, in lower-case base32:
    /// safe in the local part of an address whatever the mail server does with case, and not to be guessed.
    /// </summary>
    public string NewReplyToken(DateTimeOffset at)
    {
        Span<char> time = stackalloc char[TokenTimeLength];
        var milliseconds = at.ToUnixTimeMilliseconds();
        for (var i = TokenTimeLength - 1; i >= 0; i--, milliseconds >>= 5)
            time[i] = TokenAlphabet[(int)(milliseconds & 31)];
        return string.Concat(time, RandomNumberGenerator.GetString(TokenAlphabet, ReplyTokenLength - TokenTimeLength));
    }
}
