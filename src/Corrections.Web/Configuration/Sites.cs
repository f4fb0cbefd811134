using Microsoft.Extensions.Options;

namespace Corrections.Configuration;

/// <summary>A registered site, with its origins normalised for comparison.</summary>
public sealed record Site(string Key, string Name, IReadOnlySet<string> Origins, IReadOnlyList<string> Editors, string Language)
{
    /// <summary>Whether the service reads this site's articles (<c>Sites:N:PageCheck:Enabled</c>).</summary>
    public bool ChecksPages { get; init; } = true;

    public bool IsOwnOrigin(Uri url) => Origins.Contains(OriginOf(url));

    /// <summary>
    /// Whether <paramref name="address"/> may triage this site's reports, by link, reply or the inbox: the one place
    /// that says who an editor is.
    /// </summary>
    public bool MayTriage(string address) => Editors.Contains(address, StringComparer.OrdinalIgnoreCase);

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

    /// <summary>The sites whose reports <paramref name="address"/> may triage; none for an address that is no editor.</summary>
    public IReadOnlyList<Site> TriagedBy(string address) => sites.Values.Where(s => s.MayTriage(address)).ToList();
}
