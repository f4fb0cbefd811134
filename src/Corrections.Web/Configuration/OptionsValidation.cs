using Microsoft.Extensions.Options;
using Corrections.Admin;
using MimeKit;

namespace Corrections.Configuration;

/// <summary>Checks the configuration at start-up; every message names the key to fix.</summary>
public sealed class OptionsValidation :
    IValidateOptions<ServiceOptions>,
    IValidateOptions<DatabaseOptions>,
    IValidateOptions<MailOptions>,
    IValidateOptions<SitesOptions>,
    IValidateOptions<AbuseOptions>,
    IValidateOptions<OutboxOptions>,
    IValidateOptions<AdminOptions>
{
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
        Result(options.BusyTimeoutSeconds is < 1 or > 300
            ? [$"Database:BusyTimeoutSeconds must be between 1 and 300, not {options.BusyTimeoutSeconds}"]
            : []);

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
        }
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, AbuseOptions options) =>
        Result(options.ReportsPerClientPerMinute < 0
            ? [$"Abuse:ReportsPerClientPerMinute must be 0 (off) or more, not {options.ReportsPerClientPerMinute}"]
            : []);

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
}
