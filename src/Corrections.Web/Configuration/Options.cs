using MailKit.Security;

namespace Corrections.Configuration;

public sealed class ServiceOptions
{
    public string PublicUrl { get; set; } = "http://localhost:5080";
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

public enum DatabaseProvider
{
    Sqlite,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    public int BusyTimeoutSeconds { get; set; } = 5;
}

public sealed class MailOptions
{
    public const string Section = "Mail";
    public string From { get; set; } = "Corrections <corrections@localhost>";
    public string PickupDirectory { get; set; } = "data/mail";
    public SmtpOptions Smtp { get; set; } = new();
}

public enum SmtpSecurity
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
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public int TimeoutSeconds { get; set; } = 30;
}

public sealed class SiteOptions
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Origins { get; set; } = [];
    public List<string> Editors { get; set; } = [];
    public string Language { get; set; } = "en";
}

/// <summary>The root of the configuration, for the list of sites under <c>Sites</c>.</summary>
public sealed class SitesOptions
{
    public List<SiteOptions> Sites { get; set; } = [];
}

public sealed class AbuseOptions
{
    public const string Section = "Abuse";
    public int ReportsPerClientPerMinute { get; set; } = 20;
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
}
