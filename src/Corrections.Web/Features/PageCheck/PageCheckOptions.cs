using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

/// <summary>How the service reads the articles that reports are about (<c>PageCheck</c>).</summary>
public sealed class PageCheckOptions
{
    public const string Section = "PageCheck";

    /// <summary>Off: no article is read, for any site. <c>Sites:N:PageCheck:Enabled</c> turns it off for one site.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long the editors' mail about a new report waits for the check of its passage before it goes out without it.</summary>
    public int MailWaitSeconds { get; set; } = 10;

    /// <summary>When an open report whose passage was found is checked again, counted from its arrival.</summary>
    public List<TimeSpan> Schedule { get; set; } = [];

    /// <summary>After the last time of <see cref="Schedule"/>, the report is checked again this often …</summary>
    public TimeSpan ThenEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>… until it is this old.</summary>
    public TimeSpan Until { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the service looks for reports due to be checked again.</summary>
    public int RoundSeconds { get; set; } = 60;

    public int TimeoutSeconds { get; set; } = 10;
    public int MaxRedirects { get; set; } = 3;
    public int MaxPageBytes { get; set; } = 2 * 1024 * 1024;
    public int PerOriginConcurrency { get; set; } = 2;

    /// <summary>Whether a page may be read from a private, loopback or link-local address, e.g. a site on the same network.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>The times of <see cref="Schedule"/>, or the default 1 h, 6 h and 24 h when none is configured.</summary>
    public IReadOnlyList<TimeSpan> Steps => Schedule.Count > 0 ? Schedule : DefaultSchedule;

    public static readonly TimeSpan[] DefaultSchedule = [TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromHours(24)];

    /// <summary>
    /// The first time of the schedule after <paramref name="now"/> for a report that arrived at <paramref name="createdAt"/>,
    /// or null once the report is older than <see cref="Until"/>. Counted from the arrival, so that a round that ran late
    /// does not push every later check back.
    /// </summary>
    public DateTimeOffset? NextCheck(DateTimeOffset createdAt, DateTimeOffset now)
    {
        var last = TimeSpan.Zero;
        foreach (var step in Steps)
        {
            if (createdAt + step > now)
                return step <= Until ? createdAt + step : null;
            last = step;
        }
        var passed = now - createdAt - last;
        var next = last + ThenEvery * (Math.Floor(passed / ThenEvery) + 1);
        return next <= Until ? createdAt + next : null;
    }
}

/// <summary>A site's own switch, <c>Sites:N:PageCheck:Enabled</c>: off for pages behind a paywall or rendered only by script.</summary>
public sealed class SitePageCheckOptions
{
    public bool Enabled { get; set; } = true;
}

public sealed class PageCheckOptionsValidation : IValidateOptions<PageCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, PageCheckOptions options)
    {
        var errors = new List<string>();
        void Range(string key, int value, int min, int max)
        {
            if (value < min || value > max)
                errors.Add($"PageCheck:{key} must be between {min} and {max}, not {value}");
        }
        Range(nameof(options.MailWaitSeconds), options.MailWaitSeconds, 0, 60);
        Range(nameof(options.RoundSeconds), options.RoundSeconds, 1, 86_400);
        Range(nameof(options.TimeoutSeconds), options.TimeoutSeconds, 1, 120);
        Range(nameof(options.MaxRedirects), options.MaxRedirects, 0, 10);
        Range(nameof(options.MaxPageBytes), options.MaxPageBytes, 1024, 64 * 1024 * 1024);
        Range(nameof(options.PerOriginConcurrency), options.PerOriginConcurrency, 1, 64);
        for (var i = 0; i < options.Schedule.Count; i++)
        {
            if (options.Schedule[i] <= TimeSpan.Zero)
                errors.Add($"PageCheck:Schedule:{i} must be a positive time such as '01:00:00', not '{options.Schedule[i]}'");
            else if (i > 0 && options.Schedule[i] <= options.Schedule[i - 1])
                errors.Add($"PageCheck:Schedule:{i} must come after PageCheck:Schedule:{i - 1} ('{options.Schedule[i - 1]}'), not '{options.Schedule[i]}'");
        }
        if (options.ThenEvery < TimeSpan.FromMinutes(1))
            errors.Add($"PageCheck:ThenEvery must be at least a minute such as '1.00:00:00', not '{options.ThenEvery}'");
        if (options.Until <= TimeSpan.Zero)
            errors.Add($"PageCheck:Until must be a positive time such as '30.00:00:00', not '{options.Until}'");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
