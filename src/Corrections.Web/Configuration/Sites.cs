using Microsoft.Extensions.Options;

namespace Corrections.Configuration;

/// <summary>A registered site, with its origins normalised for comparison.</summary>
public sealed record Site(string Key, string Name, IReadOnlySet<string> Origins, IReadOnlyList<string> Editors, string Language)
{
    /// <summary>Whether the service reads this site's articles (<c>Sites:N:PageCheck:Enabled</c>).</summary>
    public bool ChecksPages { get; init; } = true;

    public bool IsOwnOrigin(Uri url) => Origins.Contains(OriginOf(url));

    public static string OriginOf(Uri url) => url.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
}

/// <summary>The sites of this installation, looked up by key.</summary>
public sealed class SiteDirectory(IOptions<SitesOptions> options)
{
    private readonly Dictionary<string, Site> sites = options.Value.Sites.ToDictionary(
        s => s.Key,
        s => new Site(
            s.Key,
            s.Name,
            s.Origins.Select(o => Site.OriginOf(new Uri(o))).ToHashSet(StringComparer.Ordinal),
            s.Editors,
            s.Language) { ChecksPages = s.PageCheck.Enabled },
        StringComparer.OrdinalIgnoreCase);

    public Site? Find(string key) => sites.GetValueOrDefault(key);

    public IEnumerable<Site> All => sites.Values;
}
