using Corrections.Configuration;

namespace Corrections.Email;

public static class MailSetup
{
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<EditorMail>();
        var smtpHost = configuration[$"{MailOptions.Section}:Smtp:Host"];
        if (string.IsNullOrWhiteSpace(smtpHost))
            services.AddScoped<IMailTransport, PickupDirectoryMailTransport>();
        else
            services.AddScoped<IMailTransport, SmtpMailTransport>();
        return services;
    }
}
