import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { dataSourceOptions } from './data-source-options';

@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [TOMO_CONFIG],
          useFactory: (config: CommonConfig) => ({
            ...dataSourceOptions(config.database),
            autoLoadEntities: true,
          }),
        }),
      ],
    };
  }
}
