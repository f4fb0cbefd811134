using System.Text.RegularExpressions;
using Corrections.Admin;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Configuration;

/// <summary>Checks the configuration at start-up; every message names the key to fix.</summary>
public sealed partial class OptionsValidation :
    IValidateOptions<ServiceOptions>,
    IValidateOptions<DatabaseOptions>,
    IValidateOptions<MailOptions>,
    IValidateOptions<SitesOptions>,
    IValidateOptions<AbuseOptions>,
    IValidateOptions<OutboxOptions>,
    IValidateOptions<AdminOptions>,
    IValidateOptions<TriageOptions>,
    IValidateOptions<InboxOptions>,
    IValidateOptions<PrivacyOptions>,
    IValidateOptions<InstanceOptions>,
    IValidateOptions<SigningKeysOptions>
{
    /// <summary>An API key's name is the actor in the history, whose column also holds editors' addresses (254).</summary>
    public const int MaxApiKeyName = 100;

    public ValidateOptionsResult Validate(string? name, TriageOptions options) =>
        Result(options.LinkExpiryDays is < 1 or > 365
            ? [$"Triage:LinkExpiryDays must be between 1 and 365, not {options.LinkExpiryDays}"]
            : []);

    public ValidateOptionsResult Validate(string? name, InboxOptions options)
    {
        var errors = new List<string>();
        if (options.SignInLinkMinutes is < 1 or > 1440)
            errors.Add($"Inbox:SignInLinkMinutes must be between 1 and 1440, not {options.SignInLinkMinutes}");
        if (options.SessionDays is < 1 or > 365)
            errors.Add($"Inbox:SessionDays must be between 1 and 365, not {options.SessionDays}");
        if (options.SignInRequestsPerHour is < 0 or > 1000)
            errors.Add($"Inbox:SignInRequestsPerHour must be between 0 (no limit) and 1000, not {options.SignInRequestsPerHour}");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        var errors = new List<string>();
        if (!IsHttpUrl(options.PublicUrl))
            errors.Add($"PublicUrl must be an absolute http or https URL, not '{options.PublicUrl}'");
        if (options.ShutdownTimeoutSeconds is < 1 or > 3600)
            errors.Add($"ShutdownTimeoutSeconds must be between 1 and 3600, not {options.ShutdownTimeoutSeconds}");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
        Result([
            .. options.BusyTimeoutSeconds is < 1 or > 300 ? [$"Database:BusyTimeoutSeconds must be between 1 and 300, not {options.BusyTimeoutSeconds}"] : Array.Empty<string>(),
            .. Enum.IsDefined(options.Provider) ? Array.Empty<string>() : [$"Database:Provider must be one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}, not '{options.Provider}'"],
        ]);

    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        var errors = new List<string>();
        if (!MailboxAddress.TryParse(options.From, out var from) || !IsEmailAddress(from.Address))
            errors.Add($"Mail:From is not a mailbox such as 'Corrections <corrections@example.org>': '{options.From}'");
        if (string.IsNullOrWhiteSpace(options.Smtp.Host) && string.IsNullOrWhiteSpace(options.PickupDirectory))
            errors.Add("Mail:PickupDirectory must be set when Mail:Smtp:Host is empty");
        if (options.Smtp.Port is < 1 or > 65535)
            errors.Add($"Mail:Smtp:Port must be between 1 and 65535, not {options.Smtp.Port}");
        if (!Enum.IsDefined(options.Smtp.Security))
            errors.Add("Mail:Smtp:Security must be one of None, StartTls, SslOnConnect, Auto");
        if (options.Smtp.TimeoutSeconds is < 1 or > 600)
            errors.Add($"Mail:Smtp:TimeoutSeconds must be between 1 and 600, not {options.Smtp.TimeoutSeconds}");
        if (options.Replies.Address.Length > 0 && (!IsEmailAddress(options.Replies.Address) || options.Replies.Address.Split('@')[0].Length > 30))
            errors.Add($"Mail:Replies:Address must be an email address whose local part leaves room for a token (at most 30 characters): '{options.Replies.Address}'");
        if (options.Replies.TrustedAuthServId.Length > 0 && !AuthServId().IsMatch(options.Replies.TrustedAuthServId))
            errors.Add($"Mail:Replies:TrustedAuthServId must be the authserv-id of the receiving server, a name such as mx.example.org as it begins its Authentication-Results headers: '{options.Replies.TrustedAuthServId}'");
        if (options.Imap.Host.Length > 0)
        {
            if (options.Replies.Address.Length == 0)
                errors.Add("Mail:Replies:Address must be set when Mail:Imap:Host is, or no reply can be matched to its report");
            if (options.Imap.Port is < 1 or > 65535)
                errors.Add($"Mail:Imap:Port must be between 1 and 65535, not {options.Imap.Port}");
            if (!Enum.IsDefined(options.Imap.Security))
                errors.Add("Mail:Imap:Security must be one of None, StartTls, SslOnConnect, Auto");
            if (string.IsNullOrWhiteSpace(options.Imap.Folder))
                errors.Add("Mail:Imap:Folder must name the folder replies arrive in, such as INBOX");
            if (string.IsNullOrWhiteSpace(options.Imap.ProcessedFolder))
                errors.Add("Mail:Imap:ProcessedFolder must name a folder for handled replies, such as Processed");
            if (options.Imap.PollSeconds is < 1 or > 3600)
                errors.Add($"Mail:Imap:PollSeconds must be between 1 and 3600, not {options.Imap.PollSeconds}");
        }
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, SitesOptions options)
    {
        var errors = new List<string>();
        if (options.Sites.Count == 0)
            errors.Add("Sites must list at least one site");
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Sites.Count; i++)
        {
            var site = options.Sites[i];
            var at = $"Sites:{i}";
            if (string.IsNullOrWhiteSpace(site.Key) || site.Key.Length > 64 || !site.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                errors.Add($"{at}:Key must be 1-64 letters, digits, '-', '_' or '.', not '{site.Key}'");
            else if (!keys.Add(site.Key))
                errors.Add($"{at}:Key '{site.Key}' is used by another site");
            if (string.IsNullOrWhiteSpace(site.Name))
                errors.Add($"{at}:Name must not be empty");
            if (site.Origins.Count == 0)
                errors.Add($"{at}:Origins must list at least one origin such as 'https://news.example.org'");
            for (var j = 0; j < site.Origins.Count; j++)
                if (!IsOrigin(site.Origins[j]))
                    errors.Add($"{at}:Origins:{j} is not an origin such as 'https://news.example.org': '{site.Origins[j]}'");
            if (site.Editors.Count == 0)
                errors.Add($"{at}:Editors must list at least one email address");
            for (var j = 0; j < site.Editors.Count; j++)
                if (!IsEmailAddress(site.Editors[j]))
                    errors.Add($"{at}:Editors:{j} is not an email address: '{site.Editors[j]}'");
            if (string.IsNullOrWhiteSpace(site.Language) || site.Language.Length > 35)
                errors.Add($"{at}:Language must be a language tag such as 'en', not '{site.Language}'");
            ValidateMail(site.Mail, site.TimeZone, at, errors);
            var desks = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var j = 0; j < site.Desks.Count; j++)
                ValidateDesk(site.Desks[j], $"{at}:Desks:{j}", desks, errors);
            for (var j = 0; j < site.Webhooks.Count; j++)
                ValidateWebhook(site.Webhooks[j], $"{at}:Webhooks:{j}", options.Webhooks.AllowPrivateNetworks, errors);
        }
        return Result(errors);
    }

    private static void ValidateDesk(DeskOptions desk, string at, HashSet<string> names, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(desk.Name) || desk.Name.Length > DeskOptions.MaxNameLength || desk.Name.Any(char.IsControl))
            errors.Add($"{at}:Name must be 1-{DeskOptions.MaxNameLength} characters, such as 'Politics', not '{desk.Name}'");
        else if (!names.Add(desk.Name))
            errors.Add($"{at}:Name '{desk.Name}' is used by another desk of the site");
        if (desk.Editors.Count == 0)
            errors.Add($"{at}:Editors must list at least one email address");
        for (var k = 0; k < desk.Editors.Count; k++)
            if (!IsEmailAddress(desk.Editors[k]))
                errors.Add($"{at}:Editors:{k} is not an email address: '{desk.Editors[k]}'");
        for (var k = 0; k < desk.Paths.Count; k++)
            if (!desk.Paths[k].StartsWith('/') || desk.Paths[k].Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
                errors.Add($"{at}:Paths:{k} must be the start of a URL path such as '/politics/', not '{desk.Paths[k]}'");
        for (var k = 0; k < desk.Authors.Count; k++)
            if (string.IsNullOrWhiteSpace(desk.Authors[k]))
                errors.Add($"{at}:Authors:{k} must not be empty");
        for (var k = 0; k < desk.Sections.Count; k++)
            if (string.IsNullOrWhiteSpace(desk.Sections[k]))
                errors.Add($"{at}:Sections:{k} must not be empty");
        if (desk.Paths.Count + desk.Authors.Count + desk.Sections.Count == 0)
            errors.Add($"{at} must list Paths, Authors or Sections, or no report can reach it");
        ValidateMail(desk.Mail, desk.TimeZone, at, errors, inherits: true);
    }

    private static void ValidateMail(SiteMailOptions mail, string timeZone, string at, List<string> errors, bool inherits = false)
    {
        if (mail.Mode is { } mode && !Enum.IsDefined(mode))
            errors.Add($"{at}:Mail:Mode must be each or digest");
        if (!MailPlan.TryParseTimes(mail.DigestTimes, out _))
            errors.Add($"{at}:Mail:DigestTimes must be local times such as '09:00,17:00', not '{mail.DigestTimes}'");
        else if (!inherits && mail.Mode == MailMode.Digest && mail.DigestTimes.Trim().Length == 0)
            errors.Add($"{at}:Mail:DigestTimes must list at least one time such as '09:00' when {at}:Mail:Mode is digest");
        if ((!inherits || timeZone.Length > 0) && !MailPlan.TryFindZone(timeZone, out _))
            errors.Add($"{at}:TimeZone must be an IANA time zone such as 'Europe/Kyiv' or 'UTC', not '{timeZone}'");
    }

    private static void ValidateWebhook(WebhookOptions webhook, string at, bool allowPrivateNetworks, List<string> errors)
    {
        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || url.UserInfo.Length > 0)
            errors.Add($"{at}:Url must be an absolute https URL without user name or password, not '{webhook.Url}'");
        else if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
            errors.Add($"{at}:Url must be https (plain http only on loopback), not '{webhook.Url}'");
        else if (!allowPrivateNetworks && Features.Webhooks.NetworkGuard.IsRefusedHost(url))
            errors.Add($"{at}:Url points to a private, link-local or loopback address, which webhooks may reach only with Webhooks:AllowPrivateNetworks=true: '{webhook.Url}'");
        if (webhook.Secret.Length < WebhookOptions.MinSecretLength)
            errors.Add($"{at}:Secret must be at least {WebhookOptions.MinSecretLength} characters (a random secret, e.g. from 'openssl rand -base64 32')");
        if (!Enum.IsDefined(webhook.Format))
            errors.Add($"{at}:Format must be json or slack");
        for (var k = 0; k < webhook.Events.Count; k++)
            if (!WebhookEvents.All.Contains(webhook.Events[k]))
                errors.Add($"{at}:Events:{k} must be one of {string.Join(", ", WebhookEvents.All)}, not '{webhook.Events[k]}'");
    }

    public ValidateOptionsResult Validate(string? name, AbuseOptions options)
    {
        var errors = new List<string>();
        if (options.ReportsPerClientPerMinute < 0)
            errors.Add($"Abuse:ReportsPerClientPerMinute must be 0 (off) or more, not {options.ReportsPerClientPerMinute}");
        if (options.ReportsPerNetworkPerMinute < 0)
            errors.Add($"Abuse:ReportsPerNetworkPerMinute must be 0 (off) or more, not {options.ReportsPerNetworkPerMinute}");
        else if (options.ReportsPerNetworkPerMinute > 0 && options.ReportsPerNetworkPerMinute < options.ReportsPerClientPerMinute)
            errors.Add($"Abuse:ReportsPerNetworkPerMinute must be 0 (off) or at least Abuse:ReportsPerClientPerMinute ({options.ReportsPerClientPerMinute}), "
                + $"not {options.ReportsPerNetworkPerMinute}: a network holds many clients");
        if (options.ReportsPerSitePerMinute < 0)
            errors.Add($"Abuse:ReportsPerSitePerMinute must be 0 (off) or more, not {options.ReportsPerSitePerMinute}");
        if (options.MinimumFillMilliseconds is < 0 or > 60_000)
            errors.Add($"Abuse:MinimumFillMilliseconds must be between 0 (off) and 60000, not {options.MinimumFillMilliseconds}");
        for (var i = 0; i < options.KnownProxies.Count; i++)
            if (!System.Net.IPAddress.TryParse(options.KnownProxies[i], out _))
                errors.Add($"Abuse:KnownProxies:{i} is not an IP address: '{options.KnownProxies[i]}'");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, PrivacyOptions options)
    {
        var errors = new List<string>();
        if (options.IpHashSecret.Length is > 0 and < 16)
            errors.Add("Privacy:IpHashSecret must be at least 16 characters, or empty for a random secret per start");
        if (options.ReaderEmailRetentionDays is < 0 or > 3650)
            errors.Add($"Privacy:ReaderEmailRetentionDays must be between 0 and 3650, not {options.ReaderEmailRetentionDays}");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, InstanceOptions options) =>
        Result(InstanceIdentity.IsValidName(options.Name)
            ? []
            : [$"Instance:Name must be 1-{InstanceOptions.MaxNameLength} letters, digits, '-', '_' or '.', different for each instance on the database, not '{options.Name}'"]);

    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var errors = new List<string>();
        void Range(string key, int value, int min, int max)
        {
            if (value < min || value > max)
                errors.Add($"Outbox:{key} must be between {min} and {max}, not {value}");
        }
        Range(nameof(options.BatchSize), options.BatchSize, 1, 1000);
        Range(nameof(options.PollIntervalSeconds), options.PollIntervalSeconds, 1, 3600);
        Range(nameof(options.LeaseSeconds), options.LeaseSeconds, 5, 86_400);
        Range(nameof(options.FirstRetrySeconds), options.FirstRetrySeconds, 1, 3600);
        Range(nameof(options.MaxRetrySeconds), options.MaxRetrySeconds, options.FirstRetrySeconds, 86_400);
        Range(nameof(options.MaxAttempts), options.MaxAttempts, 1, 10_000);
        Range(nameof(options.Parallelism), options.Parallelism, 1, 16);
        Range(nameof(options.GiveWayMilliseconds), options.GiveWayMilliseconds, 0, 10_000);
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Name))
                errors.Add($"Admin:ApiKeys:{i}:Name must name the key's holder, for the history");
            else if (key.Name.Length > MaxApiKeyName)
                errors.Add($"Admin:ApiKeys:{i}:Name must be at most {MaxApiKeyName} characters: it is recorded in the history as who triaged");
            else if (!names.Add(key.Name))
                errors.Add($"Admin:ApiKeys:{i}:Name '{key.Name}' is used by another key");
            if (key.Key.Length < 24)
                errors.Add($"Admin:ApiKeys:{i}:Key must be at least 24 characters (a random secret, e.g. from 'openssl rand -base64 32')");
        }
        return Result(errors);
    }

    public static bool IsEmailAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && value.Length <= 254
        && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
        && parsed.Address == value
        && parsed.DisplayName.Length == 0
        && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
        && !value.TrimEnd('/').EndsWith(':');

    private static ValidateOptionsResult Result(IReadOnlyList<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

    public ValidateOptionsResult Validate(string? name, SigningKeysOptions options)
    {
        if (options.CertificatePath.Length == 0)
            return ValidateOptionsResult.Success;
        return SigningKeys.TryLoad(options, out _, out var problem)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"DataProtection:CertificatePath must name a PKCS #12 file with an RSA private key (and DataProtection:CertificatePassword its password): '{options.CertificatePath}': {problem}");
    }

    /// <summary>RFC 8601's authserv-id as servers write it: a host name.</summary>
    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")]
    private static partial Regex AuthServId();
}
