using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Corrections.Features.Widget;

/// <summary>
/// A file shipped inside the service, held in memory as it is and compressed with Brotli and gzip,
/// each form with its own strong ETag, so a response costs no disk read and no compression work.
/// </summary>
public sealed class EmbeddedAsset
{
    private readonly Variant plain;
    private readonly Variant? brotli;
    private readonly Variant? gzip;

    private EmbeddedAsset(string contentType, byte[] content)
    {
        ContentType = contentType;
        plain = new Variant(content, null);
        brotli = Smaller(Compress(content, s => new BrotliStream(s, CompressionLevel.SmallestSize)), "br");
        gzip = Smaller(Compress(content, s => new GZipStream(s, CompressionLevel.SmallestSize)), "gzip");

        Variant? Smaller(byte[] compressed, string encoding) =>
            compressed.Length < content.Length ? new Variant(compressed, encoding) : null;
    }

    public string ContentType { get; }

    /// <summary>Reads a file embedded in this assembly under its logical name.</summary>
    public static EmbeddedAsset Load(string name, string contentType) => new(contentType, Read(name));

    /// <summary>Content worked out at start-up, served like a file.</summary>
    public static EmbeddedAsset Of(byte[] content, string contentType) => new(contentType, content);

    /// <summary>The bytes of a file embedded in this assembly under its logical name.</summary>
    public static byte[] Read(string name)
    {
        using var stream = typeof(EmbeddedAsset).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The file '{name}' is not embedded in the service");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>Answers with the best encoding the client accepts, or 304 when it already has that form.</summary>
    public IResult Serve(HttpContext context, string cacheControl)
    {
        var variant = Choose(context.Request);
        var headers = context.Response.Headers;
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.CacheControl = cacheControl;
        headers.ETag = variant.ETag.ToString();
        headers.XContentTypeOptions = "nosniff";
        if (variant.Encoding is not null)
            headers.ContentEncoding = variant.Encoding;

        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(variant.ETag, useStrongComparison: false)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(variant.Content, ContentType);
    }

    private Variant Choose(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding
            .Where(e => e.Quality is not 0)
            .Select(e => e.Value.Value)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (brotli is not null && accepted.Contains("br"))
            return brotli;
        if (gzip is not null && accepted.Contains("gzip"))
            return gzip;
        return plain;
    }

    private static byte[] Compress(byte[] content, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var compressing = compressor(output))
            compressing.Write(content);
        return output.ToArray();
    }

    private sealed class Variant(byte[] content, string? encoding)
    {
        public byte[] Content { get; } = content;
        public string? Encoding { get; } = encoding;
        public EntityTagHeaderValue ETag { get; } =
            new($"\"{Convert.ToBase64String(SHA256.HashData(content), 0, 18).Replace('+', '-').Replace('/', '_')}\"");
    }
}
