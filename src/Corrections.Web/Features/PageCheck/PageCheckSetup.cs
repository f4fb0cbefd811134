using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

public static class PageCheckSetup
{
    public static IServiceCollection AddPageCheck(this IServiceCollection services)
    {
        services.AddOptions<PageCheckOptions>().BindConfiguration(PageCheckOptions.Section);
        services.AddSingleton<IValidateOptions<PageCheckOptions>, PageCheckOptionsValidation>();
        services.AddPageFetcher();
        services.AddSingleton<PassageChecks>();
        services.AddHostedService<PageRechecks>();
        return services;
    }
}
