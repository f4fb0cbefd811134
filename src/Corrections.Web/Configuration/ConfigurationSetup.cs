using Corrections.Admin;
using Corrections.Pipeline;
using Microsoft.Extensions.Options;

namespace Corrections.Configuration;

public static class ConfigurationSetup
{
    public static IServiceCollection AddCorrectionsOptions(this IServiceCollection services)
    {
        services.AddOptions<ServiceOptions>().BindConfiguration("");
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section);
        services.AddOptions<SitesOptions>().BindConfiguration("");
        services.AddOptions<AbuseOptions>().BindConfiguration(AbuseOptions.Section);
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section);
        services.AddOptions<TriageOptions>().BindConfiguration(TriageOptions.Section);
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section);
        services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.Section);
        services.AddOptions<InstanceOptions>().BindConfiguration(InstanceOptions.Section)
            .PostConfigure<IHostEnvironment, IConfiguration>((instance, environment, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(instance.Name))
                    instance.Name = InstanceIdentity.DefaultName(Environment.MachineName, environment.ContentRootPath, configuration);
            });

        var validation = new OptionsValidation();
        services.AddSingleton<IValidateOptions<ServiceOptions>>(validation);
        services.AddSingleton<IValidateOptions<DatabaseOptions>>(validation);
        services.AddSingleton<IValidateOptions<MailOptions>>(validation);
        services.AddSingleton<IValidateOptions<SitesOptions>>(validation);
        services.AddSingleton<IValidateOptions<AbuseOptions>>(validation);
        services.AddSingleton<IValidateOptions<OutboxOptions>>(validation);
        services.AddSingleton<IValidateOptions<AdminOptions>>(validation);
        services.AddSingleton<IValidateOptions<TriageOptions>>(validation);
        services.AddSingleton<IValidateOptions<InboxOptions>>(validation);
        services.AddSingleton<IValidateOptions<PrivacyOptions>>(validation);
        services.AddSingleton<IValidateOptions<InstanceOptions>>(validation);
        services.AddSingleton<IValidateOptions<SigningKeysOptions>>(validation);
        services.AddSingleton<InstanceIdentity>();

        // Read unvalidated: the host reads its options while it is built, before ConfigurationCheck can name every bad key.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
        {
            if (int.TryParse(configuration[nameof(ServiceOptions.ShutdownTimeoutSeconds)], out var seconds) && seconds is >= 1 and <= 3600)
                host.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
        });

        services.AddSingleton<SiteDirectory>();
        return services;
    }
}

/// <summary>Reads every options class once before the service starts, so that a bad value stops it with all the keys to fix.</summary>
public static class ConfigurationCheck
{
    public static void ValidateAll(IServiceProvider services)
    {
        var failures = new List<string>();
        void Check<T>() where T : class
        {
            try
            {
                _ = services.GetRequiredService<IOptions<T>>().Value;
            }
            catch (OptionsValidationException ex)
            {
                failures.AddRange(ex.Failures);
            }
            catch (InvalidOperationException ex)
            {
                failures.Add(ex.Message);
            }
        }
        Check<ServiceOptions>();
        Check<DatabaseOptions>();
        Check<MailOptions>();
        Check<SitesOptions>();
        Check<AbuseOptions>();
        Check<OutboxOptions>();
        Check<AdminOptions>();
        Check<TriageOptions>();
        Check<InboxOptions>();
        Check<PrivacyOptions>();
        Check<InstanceOptions>();
        Check<SigningKeysOptions>();
        Check<Features.PageCheck.PageCheckOptions>();
        if (failures.Count > 0)
            throw new OptionsValidationException("Corrections", typeof(ConfigurationCheck), failures);
    }
}
