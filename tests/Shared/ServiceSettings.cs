namespace Corrections.Testing;

/// <summary>
/// The configuration a test or a benchmark runs the service with, made in one place and handed to either host: as
/// settings to the service in-process (<c>Mail:Smtp:Port</c>), as environment variables to the service as a process
/// (<c>Mail__Smtp__Port</c>). A key set to null is not set at all, and hides the repository's default.
/// </summary>
public sealed class ServiceSettings
{
    public const string AdminKeyName = "newsroom-tools";
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The tests' settings: the test's database, its mail sent to an SMTP server on <paramref name="smtpPort"/> or, without
    /// one, written to the pickup folder; no rate limits (tests send many reports from one address); one admin key.
    /// </summary>
    public static ServiceSettings ForTest(TestData data, int? smtpPort) => new ServiceSettings()
        .Set(data.Settings)
        .PickupFolder(data.MailFolder)
        .Smtp(smtpPort)
        .WithoutRateLimits()
        .WithAdminKey();

    public IReadOnlyDictionary<string, string?> Values => values;

    /// <summary>A SQLite file as the database, and nothing else about the database.</summary>
    public ServiceSettings SqliteFile(string path) => Set("ConnectionStrings:Corrections", $"Data Source={path}");

    public ServiceSettings PickupFolder(string folder) => Set("Mail:PickupDirectory", folder);

    /// <summary>Mail to an SMTP server on 127.0.0.1 without TLS, or, without a port, to the pickup folder.</summary>
    public ServiceSettings Smtp(int? port) => Set("Mail:Smtp:Host", port is null ? "" : "127.0.0.1")
        .Set("Mail:Smtp:Port", (port ?? 25).ToString())
        .Set("Mail:Smtp:Security", "None")
        .Set("Mail:Smtp:TimeoutSeconds", "5");

    public ServiceSettings WithoutRateLimits() => Set("Abuse:ReportsPerClientPerMinute", "0")
        .Set("Abuse:ReportsPerNetworkPerMinute", "0")
        .Set("Abuse:ReportsPerSitePerMinute", "0");

    public ServiceSettings WithAdminKey() => Set("Admin:ApiKeys:0:Name", AdminKeyName).Set("Admin:ApiKeys:0:Key", AdminKey);

    /// <summary>
    /// For the service as a process, which runs on the real clock where a test in-process moves a fake one: the outbox
    /// looks every second and retries after about 1 s, then 2 s, and each line of the output carries the time.
    /// </summary>
    public ServiceSettings OnTheRealClock() => Set("Outbox:PollIntervalSeconds", "1")
        .Set("Outbox:FirstRetrySeconds", "1")
        .Set("Outbox:MaxRetrySeconds", "2")
        .Set("Logging:Console:TimestampFormat", "HH:mm:ss.fff ");

    public ServiceSettings Set(string key, string? value)
    {
        values[key] = value;
        return this;
    }

    public ServiceSettings Set(IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        foreach (var (key, value) in settings ?? [])
            values[key] = value;
        return this;
    }

    /// <summary>The same settings as environment variables; null for those to be removed from the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> ToEnvironment() => values.ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);
}
