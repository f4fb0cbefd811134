using Corrections.Configuration;
using Microsoft.Extensions.Options;

namespace Corrections.Email;

public static class MailSetup
{
    public static IServiceCollection AddMail(this IServiceCollection services)
    {
        services.AddSingleton<SmtpHealth>();
        services.AddScoped<IMailTransport>(provider =>
            string.IsNullOrWhiteSpace(provider.GetRequiredService<IOptions<MailOptions>>().Value.Smtp.Host)
                ? ActivatorUtilities.CreateInstance<PickupDirectoryMailTransport>(provider)
                : ActivatorUtilities.CreateInstance<SmtpMailTransport>(provider));
        return services;
    }
}
