using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Corrections.Configuration;

/// <summary>A registered site, with its origins normalised for comparison.</summary>
public sealed record Site(string Key, string Name, IReadOnlySet<string> Origins, IReadOnlyList<string> Editors, string Language)
{
    /// <summary>Whether the service reads this site's articles (<c>Sites:N:PageCheck:Enabled</c>).</summary>
    public bool ChecksPages { get; init; } = true;
    public IReadOnlyList<Webhook> Webhooks { get; init; } = [];

    /// <summary>In the order of the configuration: the first that matches a report gets it.</summary>
    public IReadOnlyList<Desk> Desks { get; init; } = [];

    /// <summary>How the site's editors get their mail about reports no desk has.</summary>
    public MailPlan Mail { get; init; } = MailPlan.EachReport;

    /// <summary>How the editors of <paramref name="desk"/> (or the site's, for none) get their mail.</summary>
    public MailPlan MailOf(string? desk) => FindDesk(desk)?.Mail ?? Mail;

    public bool IsOwnOrigin(Uri url) => Origins.Contains(OriginOf(url));

    /// <summary>Whether <paramref name="address"/> edits this site or one of its desks: may sign in to the inbox and see its reports there.</summary>
    public bool IsEditor(string address) =>
        Editors.Contains(address, StringComparer.OrdinalIgnoreCase) || Desks.Any(d => d.Editors.Contains(address, StringComparer.OrdinalIgnoreCase));

    /// <summary>The desks whose reports <paramref name="address"/> may triage; null for a site's editor, who may triage all of them.</summary>
    public IReadOnlyList<string>? DesksEditedBy(string address) =>
        Editors.Contains(address, StringComparer.OrdinalIgnoreCase)
            ? null
            : Desks.Where(d => d.Editors.Contains(address, StringComparer.OrdinalIgnoreCase)).Select(d => d.Name).ToList();

    public static string OriginOf(Uri url) => url.GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    /// <summary>
    /// Whether <paramref name="actor"/> (an editor's address, or the name a chat webhook's links are signed with) may
    /// triage this site's reports. The one place that says who may triage, by link, by reply or anywhere else.
    /// </summary>
    /// <remarks>The site's editors may triage every report of the site, a desk's editors that desk's reports.</remarks>
    public bool MayTriage(string actor, string? desk) =>
        Editors.Contains(actor, StringComparer.OrdinalIgnoreCase)
        || (FindDesk(desk)?.Editors.Contains(actor, StringComparer.OrdinalIgnoreCase) ?? false)
        || Webhooks.Any(w => w.Format == WebhookFormat.Slack && w.Actor.Equals(actor, StringComparison.OrdinalIgnoreCase));

    public bool MayTriage(string actor, Corrections.Data.Report report) => MayTriage(actor, report.Desk);

    /// <summary>Who is mailed about a report of <paramref name="desk"/>: its editors, or the site's when it has no desk (any longer).</summary>
    public IReadOnlyList<string> EditorsOf(string? desk) => FindDesk(desk)?.Editors ?? Editors;

    public Desk? FindDesk(string? name) => name is null ? null : Desks.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first desk whose path prefix, section or author matches the article; null: the site's editors'.</summary>
    public Desk? DeskFor(Uri url, string? author, string? section) => Desks.FirstOrDefault(d => d.Matches(url, author, section));
}

public sealed record Desk(string Name, IReadOnlyList<string> Editors, IReadOnlyList<string> Paths, IReadOnlyList<string> Authors, IReadOnlyList<string> Sections)
{
    public MailPlan Mail { get; init; } = MailPlan.EachReport;

    public bool Matches(Uri url, string? author, string? section) =>
        Paths.Any(p => url.AbsolutePath.StartsWith(p, StringComparison.Ordinal))
        || (section is not null && Sections.Any(s => s.Trim().Equals(section.Trim(), StringComparison.OrdinalIgnoreCase)))
        || (author is not null && AuthorsOf(author).Any(a => Authors.Any(known => known.Trim().Equals(a, StringComparison.OrdinalIgnoreCase))));

    /// <summary>A page may name several authors in one value: "Anna Koval, Petro Marchenko" or "… and …".</summary>
    private static IEnumerable<string> AuthorsOf(string author) =>
        author.Split([",", ";", " and ", " & "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Prepend(author.Trim());
}

/// <summary>A site's webhook as configured.</summary>
/// <param name="Fingerprint">Changes whenever anything about the webhook does: a webhook disabled by a 410 is enabled again by any change.</param>
public sealed record Webhook(Uri Url, string Secret, WebhookFormat Format, IReadOnlySet<string> Events, string Fingerprint)
{
    /// <summary>Who triaged, for the history, through the links of a chat message: the host, never the path, which may be the secret.</summary>
    public string Actor => $"webhook:{Url.Host}";

    public bool Receives(string eventType) => Events.Contains(eventType);

    public static Webhook From(string siteKey, WebhookOptions options)
    {
        var events = (options.Events.Count == 0 ? WebhookEvents.All : options.Events).ToHashSet(StringComparer.Ordinal);
        var identity = string.Join('\n', siteKey, options.Url, options.Secret, options.Format, string.Join(',', events.Order(StringComparer.Ordinal)));
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32];
        return new Webhook(new Uri(options.Url), options.Secret, options.Format, events, fingerprint);
    }
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
            s.Language)
        {
            ChecksPages = s.PageCheck.Enabled,
            Webhooks = s.Webhooks.Select(w => Webhook.From(s.Key, w)).ToList(),
            Desks = s.Desks.Select(d => new Desk(d.Name, d.Editors, d.Paths, d.Authors, d.Sections) { Mail = MailPlan.Of(d, s) }).ToList(),
            Mail = MailPlan.Of(s),
        },
        StringComparer.OrdinalIgnoreCase);

    public Site? Find(string key) => sites.GetValueOrDefault(key);

    public IEnumerable<Site> All => sites.Values;

    /// <summary>The sites whose reports, or some of them, <paramref name="address"/> may triage; none for an address that is no editor.</summary>
    public IReadOnlyList<Site> TriagedBy(string address) => sites.Values.Where(s => s.IsEditor(address)).ToList();
}

/// <summary>One mail per report, or digests at local times in a time zone.</summary>
public sealed record MailPlan(MailMode Mode, IReadOnlyList<TimeOnly> DigestTimes, TimeZoneInfo TimeZone)
{
    public static readonly MailPlan EachReport = new(MailMode.Each, [], TimeZoneInfo.Utc);

    public bool IsDigest => Mode == MailMode.Digest && DigestTimes.Count > 0;

    public static MailPlan Of(SiteOptions site) => Build(site.Mail.Mode ?? MailMode.Each, site.Mail.DigestTimes, site.TimeZone);

    /// <summary>A desk's plan: what it leaves unset is its site's.</summary>
    public static MailPlan Of(DeskOptions desk, SiteOptions site) => Build(
        desk.Mail.Mode ?? site.Mail.Mode ?? MailMode.Each,
        desk.Mail.DigestTimes.Trim().Length > 0 ? desk.Mail.DigestTimes : site.Mail.DigestTimes,
        desk.TimeZone.Length > 0 ? desk.TimeZone : site.TimeZone);

    private static MailPlan Build(MailMode mode, string times, string zone) =>
        new(mode, TryParseTimes(times, out var parsed) ? parsed : [], TryFindZone(zone, out var found) ? found : TimeZoneInfo.Utc);

    public static bool TryParseTimes(string? text, out IReadOnlyList<TimeOnly> times)
    {
        var list = new List<TimeOnly>();
        times = list;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TimeOnly.TryParseExact(part, ["HH:mm", "H:mm"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time))
                return false;
            list.Add(time);
        }
        list.Sort();
        return true;
    }

    public static bool TryFindZone(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
            return false;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>
    /// The last digest time at or before <paramref name="now"/>, as an instant. A local time that a change to daylight
    /// saving time skips comes as the clocks go forward, just after the gap; one that the change back repeats, once, at
    /// its first occurrence.
    /// </summary>
    public DateTimeOffset? LatestSlot(DateTimeOffset now)
    {
        if (!IsDigest)
            return null;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZone).DateTime);
        DateTimeOffset? latest = null;
        for (var day = today.AddDays(-2); day <= today; day = day.AddDays(1))
            foreach (var time in DigestTimes)
                if (ToInstant(day.ToDateTime(time)) is var at && at <= now && (latest is null || at > latest))
                    latest = at;
        // In UTC: PostgreSQL stores no other offset.
        return latest?.ToUniversalTime();
    }

    private DateTimeOffset ToInstant(DateTime local)
    {
        if (TimeZone.IsInvalidTime(local))
        {
            // Skipped by the clocks going forward: the first local minute after the gap.
            var probe = local;
            while (TimeZone.IsInvalidTime(probe))
                probe = probe.AddMinutes(1);
            return new DateTimeOffset(probe, TimeZone.GetUtcOffset(probe));
        }
        if (TimeZone.IsAmbiguousTime(local))
            return new DateTimeOffset(local, TimeZone.GetAmbiguousTimeOffsets(local).Max());
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
    }
}
