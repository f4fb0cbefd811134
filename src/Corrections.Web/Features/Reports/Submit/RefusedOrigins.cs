using System.Collections.Concurrent;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// Tells the operator, once an hour per site and origin, that a page sends reports from an origin its site does not list:
/// usually a site that moved or added a domain and whose settings were not changed with it. Each refusal is also counted
/// (<c>corrections_reports_rejected{reason="origin"}</c>).
/// </summary>
public sealed class RefusedOrigins(TimeProvider time, ILogger<RefusedOrigins> logger)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromHours(1);

    // Bounded, as any client may send any Origin: past this many pairs, those not logged within the hour are forgotten.
    private const int MaxRemembered = 10_000;
    private const int MaxOriginLength = 300;

    private readonly ConcurrentDictionary<(string Site, string Origin), DateTimeOffset> lastLogged = new();

    public void Refused(string siteKey, string origin)
    {
        if (origin.Length > MaxOriginLength)
            origin = string.Concat(origin.AsSpan(0, MaxOriginLength), "…");
        var now = time.GetUtcNow();
        var key = (siteKey, origin);
        if (lastLogged.TryGetValue(key, out var at) && now - at < Quiet)
            return;
        if (lastLogged.Count >= MaxRemembered)
        {
            foreach (var (old, loggedAt) in lastLogged)
                if (now - loggedAt >= Quiet)
                    lastLogged.TryRemove(old, out _);
            if (lastLogged.Count >= MaxRemembered)
                return;
        }
        // Two requests at once may both log: at worst a second line, never a lost one.
        lastLogged[key] = now;
        logger.LogWarning(
            "The site {Site} refused a report from {Origin}, which is not among its origins. If its pages live there, add {Origin} to the site's Origins (Sites:N:Origins); the next refusal from it is logged after an hour",
            siteKey, origin, origin);
    }
}
