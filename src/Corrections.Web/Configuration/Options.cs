using MailKit.Security;

namespace Corrections.Configuration;

public sealed class ServiceOptions
{
    public string PublicUrl { get; set; } = "http://localhost:5080";
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

/// <summary>This instance of the service, as the claims and leases it takes in the database name it.</summary>
public sealed class InstanceOptions
{
    public const string Section = "Instance";
    public const int MaxNameLength = 40;

    /// <summary>
    /// Must stay the same across restarts and differ from every other instance's on the same database, so that a
    /// restarted instance knows its own claims. Empty: <see cref="InstanceIdentity.DefaultName"/>.
    /// </summary>
    public string Name { get; set; } = "";
}

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    public int BusyTimeoutSeconds { get; set; } = 5;

    /// <summary>Whether the service applies missing migrations when it starts; unset: yes for SQLite, no for the servers.</summary>
    public bool? MigrateOnStartup { get; set; }

    public bool MigratesOnStartup => MigrateOnStartup ?? Provider == DatabaseProvider.Sqlite;
}

public sealed class MailOptions
{
    public const string Section = "Mail";
    public string From { get; set; } = "Corrections <corrections@localhost>";
    public string PickupDirectory { get; set; } = "data/mail";
    public SmtpOptions Smtp { get; set; } = new();
    public RepliesOptions Replies { get; set; } = new();
    public ImapOptions Imap { get; set; } = new();
}

public sealed class RepliesOptions
{
    /// <summary>The mailbox that receives editors' replies; each report's Reply-To is its plus-address. Empty: no triage by reply.</summary>
    public string Address { get; set; } = "";

    /// <summary>
    /// The authserv-id of the server that receives the replies, as it writes it first in its <c>Authentication-Results</c>
    /// headers (RFC 8601), such as <c>mx.example.org</c>. A reply triages only when that server's topmost header shows
    /// <c>dmarc=pass</c>, or <c>dkim=pass</c> for the From's own domain.
    /// </summary>
    public string TrustedAuthServId { get; set; } = "";

    /// <summary>Takes replies whose sender nobody vouches for, when no <see cref="TrustedAuthServId"/> is set: a forged From can then triage.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>Whether editors may triage by reply: a reply address, and either a server that vouches for senders or the risk taken.</summary>
    public bool TakesCommands => Address.Length > 0 && (TrustedAuthServId.Length > 0 || AllowUnauthenticated);
}

public sealed class ImapOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 993;
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    public MailSecurity Security { get; set; } = MailSecurity.Auto;
    public string Folder { get; set; } = "INBOX";
    public string ProcessedFolder { get; set; } = "Processed";

    /// <summary>How often to look for new mail when the server has no IDLE, and the longest IDLE before a fresh look.</summary>
    public int PollSeconds { get; set; } = 60;
}

public sealed class TriageOptions
{
    public const string Section = "Triage";
    public int LinkExpiryDays { get; set; } = 30;
}

public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>How long a mailed sign-in link works; it works once.</summary>
    public int SignInLinkMinutes { get; set; } = 15;

    /// <summary>How long a session lasts from signing in, unless the editor signs out or leaves the configuration.</summary>
    public int SessionDays { get; set; } = 14;

    /// <summary>Sign-in links asked for per address, and per client, in an hour; 0 is no limit.</summary>
    public int SignInRequestsPerHour { get; set; } = 5;
}

public enum MailSecurity
{
    None = SecureSocketOptions.None,
    Auto = SecureSocketOptions.Auto,
    SslOnConnect = SecureSocketOptions.SslOnConnect,
    StartTls = SecureSocketOptions.StartTls,
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    public MailSecurity Security { get; set; } = MailSecurity.Auto;
    public int TimeoutSeconds { get; set; } = 30;
}

public sealed class SiteOptions
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Origins { get; set; } = [];
    public List<string> Editors { get; set; } = [];
    public string Language { get; set; } = "en";
    public Features.PageCheck.SitePageCheckOptions PageCheck { get; set; } = new();
    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>The newsroom's desks; a report goes to the first that matches it, otherwise to <see cref="Editors"/>.</summary>
    public List<DeskOptions> Desks { get; set; } = [];

    public SiteMailOptions Mail { get; set; } = new();

    /// <summary>An IANA time zone, such as <c>Europe/Kyiv</c>, for <see cref="SiteMailOptions.DigestTimes"/>.</summary>
    public string TimeZone { get; set; } = "UTC";
}

public enum MailMode
{
    /// <summary>One mail per report, as it comes.</summary>
    Each,

    /// <summary>One mail per digest time listing the reports that became new since the last.</summary>
    Digest,
}

/// <summary>How a site's or a desk's editors get their mail; a desk's unset values are the site's.</summary>
public sealed class SiteMailOptions
{
    public MailMode? Mode { get; set; }

    /// <summary>Local times, such as <c>09:00,17:00</c>, in the site's or desk's time zone.</summary>
    public string DigestTimes { get; set; } = "";
}

public sealed class DeskOptions
{
    public const int MaxNameLength = 100;

    public string Name { get; set; } = "";
    public List<string> Editors { get; set; } = [];

    /// <summary>Prefixes of the article's URL path, such as <c>/politics/</c>; compared case-sensitively, as paths are.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Authors as the page names them (<c>&lt;meta name="author"&gt;</c>, <c>article:author</c>); any case.</summary>
    public List<string> Authors { get; set; } = [];

    /// <summary>Sections as the page names them (<c>article:section</c>); any case.</summary>
    public List<string> Sections { get; set; } = [];

    public SiteMailOptions Mail { get; set; } = new();

    /// <summary>Empty: the site's.</summary>
    public string TimeZone { get; set; } = "";
}

public enum WebhookFormat
{
    /// <summary>The event as JSON (docs/webhooks.md).</summary>
    Json,

    /// <summary>An incoming-webhook message that Slack and Mattermost render.</summary>
    Slack,
}

public sealed class WebhookOptions
{
    public const int MinSecretLength = 24;

    public string Url { get; set; } = "";

    /// <summary>The key of the HMAC-SHA256 signature of each delivery.</summary>
    public string Secret { get; set; } = "";

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;

    /// <summary>The events it receives; empty: all of <see cref="WebhookEvents.All"/>.</summary>
    public List<string> Events { get; set; } = [];
}

public static class WebhookEvents
{
    public const string ReportCreated = "report.created";
    public const string ReportStatusChanged = "report.status_changed";
    public static readonly IReadOnlyList<string> All = [ReportCreated, ReportStatusChanged];
}

/// <summary>What applies to the webhooks of every site, under <c>Webhooks</c>.</summary>
public sealed class WebhooksSettings
{
    /// <summary>Lets webhooks reach private, link-local and loopback addresses: for tests and intranets.</summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>The root of the configuration, for the list of sites under <c>Sites</c>.</summary>
public sealed class SitesOptions
{
    public List<SiteOptions> Sites { get; set; } = [];

    public WebhooksSettings Webhooks { get; set; } = new();
}

public sealed class AbuseOptions
{
    public const string Section = "Abuse";
    /// <summary>Per client: an IPv4 address, or an IPv6 /64 (<see cref="Abuse.ClientNetworks"/>).</summary>
    public int ReportsPerClientPerMinute { get; set; } = 20;

    /// <summary>Per network, all its clients together: an IPv4 /24, or an IPv6 /48.</summary>
    public int ReportsPerNetworkPerMinute { get; set; } = 200;

    public int ReportsPerSitePerMinute { get; set; } = 600;

    /// <summary>Proxies whose X-Forwarded-For is believed; from anyone else the connection's address counts.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>A person needs at least this long between opening the dialog and sending; faster is a bot.</summary>
    public int MinimumFillMilliseconds { get; set; } = 1500;
}

public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>The secret behind the daily keyed hash of client addresses. Empty: a random one per start.</summary>
    public string IpHashSecret { get; set; } = "";

    public int ReaderEmailRetentionDays { get; set; } = 30;

    /// <summary>
    /// Takes readers' addresses at reserved domains (<c>localhost</c>, <c>.local</c>, <c>.test</c>, <c>.example</c> …),
    /// which no mail from the internet reaches; for test set-ups only.
    /// </summary>
    public bool AllowReservedReaderDomains { get; set; }
}

public sealed class OutboxOptions
{
    public const string Section = "Outbox";
    public int BatchSize { get; set; } = 50;
    public int PollIntervalSeconds { get; set; } = 5;
    public int LeaseSeconds { get; set; } = 120;
    public int FirstRetrySeconds { get; set; } = 8;
    public int MaxRetrySeconds { get; set; } = 300;
    public int MaxAttempts { get; set; } = 100;

    /// <summary>Dispatcher loops working at once, each with its own batch and SMTP connection.</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>
    /// How long the dispatcher waits, before each message, while a burst of readers' submissions is in flight
    /// (<see cref="Outbox.SubmissionsInFlight.Burst"/>): during the burst mail goes out at least this often per loop, and
    /// at full speed once it is over. 0: it never waits (docs/decisions/0012-mail-gives-way-to-readers.md).
    /// </summary>
    public int GiveWayMilliseconds { get; set; } = 100;
}
