using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// A new report's id and reply token, made from the system's cryptographically secure generator, read 4 KB at a time.
/// Each read is a system call, which on a virtual machine costs more than all the rest of making the two; read one at a
/// time, they took about 3.5 µs a report.
/// </summary>
public sealed class ReportKeys
{
    public const int ReplyTokenLength = 32;

    // In the order of the characters' codes, so that tokens sort as their times do.
    private const string TokenAlphabet = "234567abcdefghijklmnopqrstuvwxyz";
    private const int TokenTimeLength = 9;

    private readonly Lock gate = new();
    private readonly byte[] random = new byte[4096];
    private int used = 4096;

    /// <summary>
    /// A version 7 id (RFC 9562): the time in milliseconds, then 74 random bits. Ids of reports made later sort after,
    /// as Guid.CreateVersion7's do, so that a group's new reports go to the end of the primary key's index.
    /// </summary>
    public Guid NewId(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], at.ToUnixTimeMilliseconds() << 16);
        Fill(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // the version
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // the variant
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The time in milliseconds (9 characters, enough until the year 3084), then 115 random bits, in lower-case base32:
    /// safe in the local part of an address whatever the mail server does with case, and not to be guessed. Time first,
    /// the tokens of new reports go to the end of their unique index: a group of reports written together changes a
    /// page or two of it instead of a page each.
    /// </summary>
    public string NewReplyToken(DateTimeOffset at)
    {
        Span<char> token = stackalloc char[ReplyTokenLength];
        var milliseconds = at.ToUnixTimeMilliseconds();
        for (var i = TokenTimeLength - 1; i >= 0; i--, milliseconds >>= 5)
            token[i] = TokenAlphabet[(int)(milliseconds & 31)];
        Span<byte> bits = stackalloc byte[ReplyTokenLength - TokenTimeLength];
        Fill(bits);
        for (var i = 0; i < bits.Length; i++)
            token[TokenTimeLength + i] = TokenAlphabet[bits[i] & 31];
        return new string(token);
    }

    /// <summary>Random bytes, each handed out once.</summary>
    private void Fill(Span<byte> destination)
    {
        lock (gate)
        {
            if (random.Length - used < destination.Length)
            {
                RandomNumberGenerator.Fill(random);
                used = 0;
            }
            var taken = random.AsSpan(used, destination.Length);
            taken.CopyTo(destination);
            taken.Clear();
            used += destination.Length;
        }
    }
}
